package mirror

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
)

// platformSpec is one entry of Options.Platforms.
type platformSpec struct{ os, arch, variant string }

// archAliases maps names people type to GOARCH names used in manifests.
var archAliases = map[string]string{"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm"}

func parsePlatform(s string) (platformSpec, error) {
	parts := strings.Split(strings.ToLower(strings.TrimSpace(s)), "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return platformSpec{}, fmt.Errorf("platform %q: want os/arch[/variant], e.g. linux/amd64 or linux/arm/v7", s)
	}
	p := platformSpec{os: parts[0], arch: parts[1]}
	if a, ok := archAliases[p.arch]; ok {
		p.arch = a
	}
	if len(parts) == 3 {
		p.variant = parts[2]
	}
	return p, nil
}

func (p platformSpec) String() string {
	s := p.os + "/" + p.arch
	if p.variant != "" {
		s += "/" + p.variant
	}
	return s
}

// defaultVariant is the variant an empty one stands for (as containerd
// normalises): linux/arm64 is linux/arm64/v8.
func defaultVariant(arch, variant string) string {
	if variant != "" {
		return variant
	}
	switch arch {
	case "arm64":
		return "v8"
	case "arm":
		return "v7"
	}
	return ""
}

// matches reports whether q is the platform p asks for; a spec without a
// variant matches every variant.
func (p platformSpec) matches(q ocispec.Platform) bool {
	if q.OS != p.os || q.Architecture != p.arch {
		return false
	}
	return p.variant == "" || defaultVariant(p.arch, p.variant) == defaultVariant(q.Architecture, q.Variant)
}

func matchAny(specs []platformSpec, q ocispec.Platform) bool {
	return slices.ContainsFunc(specs, func(p platformSpec) bool { return p.matches(q) })
}

func platformString(p *ocispec.Platform) string {
	if p == nil {
		return "(none)"
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// Annotations buildx puts on the attestation manifests of an index.
const (
	annotationReferenceType   = "vnd.docker.reference.type"
	annotationReferenceDigest = "vnd.docker.reference.digest"
)

// filterIndex keeps the manifests of an index (OCI or Docker list) whose
// platform matches, plus the buildx attestation manifests of those kept.
// Entries without a platform are dropped. Everything else of the index is
// kept (media type, annotations, unknown fields; each kept descriptor byte
// for byte). The output is deterministic (sorted keys, compact), so the
// filtered digest is the same on every run. filtered is false, and out is
// body, when nothing was dropped.
func filterIndex(body []byte, specs []platformSpec) (out []byte, filtered bool, err error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, false, fmt.Errorf("decoding index: %w", err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(doc["manifests"], &raw); err != nil {
		return nil, false, fmt.Errorf("decoding index manifests: %w", err)
	}
	descs := make([]ocispec.Descriptor, len(raw))
	kept := map[string]bool{}
	var seen []string
	for i, r := range raw {
		if err := json.Unmarshal(r, &descs[i]); err != nil {
			return nil, false, fmt.Errorf("decoding index manifest %d: %w", i, err)
		}
		if p := descs[i].Platform; p != nil && matchAny(specs, *p) {
			kept[descs[i].Digest.String()] = true
		}
		if descs[i].Annotations[annotationReferenceType] == "" {
			seen = append(seen, platformString(descs[i].Platform))
		}
	}
	if len(kept) == 0 {
		return nil, false, fmt.Errorf("%w: index has %s, none of them %s", ErrNoMatchingPlatform,
			strings.Join(seen, ", "), joinSpecs(specs))
	}
	var keep []json.RawMessage
	for i, d := range descs {
		attests := d.Annotations[annotationReferenceType] == "attestation-manifest" && kept[d.Annotations[annotationReferenceDigest]]
		if kept[d.Digest.String()] || attests {
			keep = append(keep, raw[i])
		}
	}
	if len(keep) == len(raw) {
		return body, false, nil
	}
	if doc["manifests"], err = json.Marshal(keep); err != nil {
		return nil, false, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, false, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), true, nil
}

func joinSpecs(specs []platformSpec) string {
	s := make([]string, len(specs))
	for i, p := range specs {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// applyPlatforms applies Options.Platforms to a fetched root: an index is
// filtered (r.desc becomes the new index), a single image must match.
func (j *job) applyPlatforms(ctx context.Context, r *root) error {
	if isIndexType(r.src.MediaType) {
		out, filtered, err := filterIndex(r.body, j.s.platforms)
		if err != nil {
			return fmt.Errorf("filtering index %s: %w", r.src.Digest, err)
		}
		if filtered {
			r.desc = content.NewDescriptorFromBytes(r.src.MediaType, out)
			r.body, r.filtered = out, true
		}
		return nil
	}
	p, err := j.imagePlatform(ctx, r.src, r.body)
	if err != nil {
		return err
	}
	if !matchAny(j.s.platforms, p) {
		return fmt.Errorf("%w: image %s is %s, not %s", ErrNoMatchingPlatform, r.src.Digest, platformString(&p), joinSpecs(j.s.platforms))
	}
	return nil
}

// imagePlatform reads the platform of a single image from its config.
func (j *job) imagePlatform(ctx context.Context, desc ocispec.Descriptor, body []byte) (ocispec.Platform, error) {
	var m ocispec.Manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return ocispec.Platform{}, fmt.Errorf("decoding manifest %s: %w", desc.Digest, err)
	}
	if m.Config.MediaType != ocispec.MediaTypeImageConfig && m.Config.MediaType != mediaTypeDockerConfig {
		return ocispec.Platform{}, fmt.Errorf("%w: %s is not an image (config %q), it has no platform", ErrNoMatchingPlatform, desc.Digest, m.Config.MediaType)
	}
	if m.Config.Size > maxManifestBytes {
		return ocispec.Platform{}, fmt.Errorf("%w: config %s is %d bytes", ErrUnsupported, m.Config.Digest, m.Config.Size)
	}
	var cfg []byte
	err := j.unit(ctx, "fetching config", m.Config.Digest, func(ctx context.Context) error {
		rc, err := j.src.Blobs().Fetch(ctx, m.Config)
		if err != nil {
			return err
		}
		defer rc.Close()
		cfg, err = content.ReadAll(rc, m.Config)
		return err
	})
	if err != nil {
		return ocispec.Platform{}, opErr("fetching config", SideSource, m.Config.Digest, err)
	}
	var p ocispec.Platform // the image config has os, architecture and variant at the top level
	if err := json.Unmarshal(cfg, &p); err != nil {
		return ocispec.Platform{}, fmt.Errorf("decoding config %s: %w", m.Config.Digest, err)
	}
	return p, nil
}
