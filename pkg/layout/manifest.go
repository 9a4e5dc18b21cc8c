package layout

import (
	"encoding/json"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// IsManifest reports whether a media type is a manifest or an index
// (OCI's or Docker's).
func IsManifest(mediaType string) bool {
	switch mediaType {
	case ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageIndex,
		"application/vnd.docker.distribution.manifest.v2+json",
		"application/vnd.docker.distribution.manifest.list.v2+json":
		return true
	}
	return false
}

// Successors returns what a manifest or index refers to: its config and
// layers, or its manifests (not its subject).
func Successors(body []byte) ([]ocispec.Descriptor, error) {
	var m struct {
		Config    *ocispec.Descriptor  `json:"config"`
		Layers    []ocispec.Descriptor `json:"layers"`
		Manifests []ocispec.Descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	var out []ocispec.Descriptor
	if m.Config != nil && m.Config.Digest != "" {
		out = append(out, *m.Config)
	}
	out = append(out, m.Layers...)
	return append(out, m.Manifests...), nil
}

// SplitName splits an index.json name into its repository and its tag or
// digest: "quay.io/org/app:1.0", "registry.lan:5000/app@sha256:...".
func SplitName(name string) (repo, tag, dgst string) {
	if i := strings.LastIndex(name, "@"); i >= 0 {
		return name[:i], "", name[i+1:]
	}
	i := strings.LastIndex(name, ":")
	if i < 0 || strings.Contains(name[i:], "/") {
		return name, "", ""
	}
	return name[:i], name[i+1:], ""
}
