package testimage

import (
	"context"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlift-cli/airlift/internal/testregistry"
)

func TestPush(t *testing.T) {
	t.Parallel()
	reg := testregistry.Start(t)
	ctx := context.Background()
	base := Layer(7, 1024)
	a, err := Push(ctx, reg.Host, Spec{Repository: "team/a", Tag: "1", Shared: [][]byte{base}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Push(ctx, reg.Host, Spec{Repository: "team/a", Tag: "1", Shared: [][]byte{base}, Seed: 1})
	if err != nil || a.Index.Digest != b.Index.Digest {
		t.Fatalf("same spec, different digest: %v %v (%v)", a.Index.Digest, b.Index.Digest, err)
	}
	d, err := Push(ctx, reg.Host, Spec{Repository: "team/d", Tag: "1", Docker: true, Platforms: []string{"linux/arm/v7"}, Seed: 2})
	if err != nil || d.Index.MediaType != DockerManifestList || d.Manifests[0].Platform.Variant != "v7" {
		t.Fatalf("docker list: %+v %v", d.Index, err)
	}
	sig, err := Sign(ctx, reg.Host, "team/a", a.Index)
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := Repository(reg.Host, "team/a")
	if got, err := repo.Resolve(ctx, "sha256-"+a.Index.Digest.Encoded()+".sig"); err != nil || got.Digest != sig.Digest {
		t.Fatalf("signature tag: %v %v", got.Digest, err)
	}
	ref, err := Refer(ctx, reg.Host, "team/a", a.Manifests[0], "application/spdx+json")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	if err := repo.Referrers(ctx, a.Manifests[0], "", func(rs []ocispec.Descriptor) error {
		for _, r := range rs {
			found = found || r.Digest == ref.Digest
		}
		return nil
	}); err != nil || !found {
		t.Fatalf("referrer not listed: %v", err)
	}
}

// TestChecks: FetchManifest returns the pushed bytes (their digest is the
// descriptor's) and HasBlob sees every blob; both say "absent" for what
// was not pushed.
func TestChecks(t *testing.T) {
	t.Parallel()
	reg := testregistry.Start(t)
	ctx := context.Background()
	img, err := Push(ctx, reg.Host, Spec{Repository: "team/c", Tag: "1", Docker: true, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range append([]ocispec.Descriptor{img.Index}, img.Manifests...) {
		body, found, err := FetchManifest(ctx, reg.Host, "team/c", d.Digest.String())
		if err != nil || !found || digest.FromBytes(body) != d.Digest {
			t.Errorf("FetchManifest %s: found=%v, %v", d.Digest, found, err)
		}
	}
	if body, found, err := FetchManifest(ctx, reg.Host, "team/c", "1"); err != nil || !found || digest.FromBytes(body) != img.Index.Digest {
		t.Errorf("FetchManifest by tag: found=%v, %v", found, err)
	}
	if _, found, err := FetchManifest(ctx, reg.Host, "team/c", "2"); err != nil || found {
		t.Errorf("FetchManifest of a missing tag: found=%v, %v", found, err)
	}
	for _, b := range img.Blobs {
		if ok, err := HasBlob(ctx, reg.Host, "team/c", b.Digest); err != nil || !ok {
			t.Errorf("HasBlob %s = %v, %v", b.Digest, ok, err)
		}
	}
	if ok, err := HasBlob(ctx, reg.Host, "team/c", digest.FromString("absent")); err != nil || ok {
		t.Errorf("HasBlob of a missing blob = %v, %v", ok, err)
	}
}
