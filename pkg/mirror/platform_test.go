package mirror

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestParsePlatform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "linux/amd64", want: "linux/amd64"},
		{in: "linux/arm/v7", want: "linux/arm/v7"},
		{in: " Linux/AARCH64 ", want: "linux/arm64"},
		{in: "linux", wantErr: true},
		{in: "linux//v7", wantErr: true},
		{in: "linux/arm/v7/x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			p, err := parsePlatform(tt.in)
			if (err != nil) != tt.wantErr || (err == nil && p.String() != tt.want) {
				t.Fatalf("parsePlatform(%q) = %v, %v", tt.in, p, err)
			}
		})
	}
}

func TestPlatformMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec string
		plat ocispec.Platform
		want bool
	}{
		{"linux/amd64", ocispec.Platform{OS: "linux", Architecture: "amd64"}, true},
		{"linux/amd64", ocispec.Platform{OS: "windows", Architecture: "amd64"}, false},
		{"linux/arm", ocispec.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, true},
		{"linux/arm/v7", ocispec.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, false},
		{"linux/arm/v7", ocispec.Platform{OS: "linux", Architecture: "arm"}, true},
		{"linux/arm64/v8", ocispec.Platform{OS: "linux", Architecture: "arm64"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" vs "+platformString(&tt.plat), func(t *testing.T) {
			t.Parallel()
			p, err := parsePlatform(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.matches(tt.plat); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// buildxIndex is an index like docker buildx writes: two images, each with
// an attestation manifest, and an annotation with characters json.Marshal
// would escape.
const buildxIndex = `{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "size": 1, "platform": {"architecture": "amd64", "os": "linux"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "size": 1, "platform": {"architecture": "arm64", "os": "linux"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", "size": 1, "platform": {"architecture": "unknown", "os": "unknown"},
     "annotations": {"vnd.docker.reference.digest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "vnd.docker.reference.type": "attestation-manifest"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", "size": 1, "platform": {"architecture": "unknown", "os": "unknown"},
     "annotations": {"vnd.docker.reference.digest": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "vnd.docker.reference.type": "attestation-manifest"}}
  ],
  "annotations": {"org.opencontainers.image.source": "https://example.com/a?b=1&c=<2>"},
  "x-unknown-field": [1, 2]
}`

func TestFilterIndex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		platforms []string
		want      []string // digests kept, by first letter
		filtered  bool
		wantErr   error
	}{
		{name: "amd64 and its attestation", platforms: []string{"linux/amd64"}, want: []string{"a", "c"}, filtered: true},
		{name: "arm64 and its attestation", platforms: []string{"linux/arm64"}, want: []string{"b", "d"}, filtered: true},
		{name: "all", platforms: []string{"linux/amd64", "linux/arm64"}, want: []string{"a", "b", "c", "d"}},
		{name: "none", platforms: []string{"windows/amd64"}, wantErr: ErrNoMatchingPlatform},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var specs []platformSpec
			for _, p := range tt.platforms {
				s, _ := parsePlatform(p)
				specs = append(specs, s)
			}
			out, filtered, err := filterIndex([]byte(buildxIndex), specs)
			if !errors.Is(err, tt.wantErr) || filtered != tt.filtered {
				t.Fatalf("filtered %v err %v", filtered, err)
			}
			if err != nil {
				return
			}
			var idx ocispec.Index
			var doc map[string]any
			if err := json.Unmarshal(out, &idx); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal(out, &doc)
			var got []string
			for _, m := range idx.Manifests {
				got = append(got, m.Digest.Encoded()[:1])
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("kept %v, want %v", got, tt.want)
			}
			if idx.Annotations["org.opencontainers.image.source"] != "https://example.com/a?b=1&c=<2>" || doc["x-unknown-field"] == nil {
				t.Errorf("annotations or unknown fields lost: %s", out)
			}
			if filtered && strings.Contains(string(out), `\u0026`) {
				t.Errorf("HTML-escaped output: %s", out)
			}
			again, _, _ := filterIndex([]byte(buildxIndex), specs)
			if string(again) != string(out) {
				t.Error("filtering is not deterministic")
			}
		})
	}
}
