package mirror

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
)

// Media types beyond the OCI ones.
const (
	mediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaTypeDockerConfig   = "application/vnd.docker.container.image.v1+json"
	mediaTypeDockerForeign  = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
	mediaTypeOCIArtifact    = "application/vnd.oci.artifact.manifest.v1+json"
)

func isIndexType(mt string) bool {
	return mt == ocispec.MediaTypeImageIndex || mt == mediaTypeDockerList
}

func isManifestType(mt string) bool {
	switch mt {
	case ocispec.MediaTypeImageIndex, mediaTypeDockerList, ocispec.MediaTypeImageManifest,
		mediaTypeDockerManifest, mediaTypeOCIArtifact:
		return true
	}
	return false
}

// isForeign reports layers that must not be copied (Windows base layers).
func isForeign(mt string) bool {
	switch mt {
	case mediaTypeDockerForeign:
		return true
	}
	// OCI non-distributable layers (deprecated in the spec, still found)
	return strings.HasPrefix(mt, "application/vnd.oci.image.layer.nondistributable.")
}

// children are what a manifest points at: manifests (of an index) and blobs
// (config and layers of a manifest). The subject is not a child: referrers
// are copied after their subject.
type children struct {
	manifests, blobs []ocispec.Descriptor
}

func parseChildren(desc ocispec.Descriptor, body []byte) (children, error) {
	var m struct {
		Manifests []ocispec.Descriptor `json:"manifests"`
		Config    *ocispec.Descriptor  `json:"config"`
		Layers    []ocispec.Descriptor `json:"layers"`
		Blobs     []ocispec.Descriptor `json:"blobs"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return children{}, fmt.Errorf("decoding manifest %s: %w", desc.Digest, err)
	}
	var c children
	switch {
	case isIndexType(desc.MediaType):
		c.manifests = m.Manifests
	case desc.MediaType == mediaTypeOCIArtifact:
		c.blobs = m.Blobs
	default:
		if m.Config == nil {
			return children{}, fmt.Errorf("manifest %s has no config", desc.Digest)
		}
		c.blobs = append(c.blobs, *m.Config)
		for _, l := range m.Layers {
			if !isForeign(l.MediaType) {
				c.blobs = append(c.blobs, l)
			}
		}
	}
	for _, d := range c.manifests {
		if err := d.Digest.Validate(); err != nil {
			return children{}, fmt.Errorf("manifest %s lists %q: %w", desc.Digest, d.Digest, err)
		}
		if err := checkManifestType(d); err != nil {
			return children{}, fmt.Errorf("manifest %s lists %w", desc.Digest, err)
		}
	}
	for _, d := range c.blobs {
		if err := d.Digest.Validate(); err != nil || d.Size < 0 {
			return children{}, fmt.Errorf("manifest %s lists blob %q (size %d): invalid descriptor", desc.Digest, d.Digest, d.Size)
		}
	}
	return c, nil
}

// copyRoot copies the top manifest of an image: its children (and their
// referrers), then the manifest under the target tag, last. When the root
// itself has referrers it is pushed by digest first (they need their
// subject), then the referrers, then the tag, so that a tag in the target
// always means "everything under it, referrers included, is there" — the
// present fast path relies on it.
func (j *job) copyRoot(ctx context.Context, r *root) error {
	var refs []artifact
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return j.copyChildren(gctx, r.desc, r.body, 0) })
	// The referrers of the source index do not refer to a filtered index.
	if !j.s.SkipReferrers && !r.filtered {
		g.Go(func() (err error) {
			refs, err = j.listReferrers(gctx, r.desc, true)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	tag := j.img.Target.Tag
	if len(refs) > 0 || tag == "" {
		if err := j.pushManifest(ctx, r.desc, r.body, ""); err != nil {
			return err
		}
	}
	if err := j.copyArtifacts(ctx, refs, 1); err != nil {
		return err
	}
	if tag == "" {
		return nil
	}
	return j.pushManifest(ctx, r.desc, r.body, tag)
}

// copyManifest makes a manifest that is not a root present in the target,
// with its children and referrers, once per target repository and run.
// depth is 0 in an image and grows along referrer chains.
func (j *job) copyManifest(ctx context.Context, desc ocispec.Descriptor, depth int) error {
	ran, err := j.e.manifests.do(ctx, j.dstKey()+"@"+desc.Digest.String(), func() error {
		if err := j.placeManifest(ctx, desc, depth); err != nil {
			return err
		}
		return j.copyReferrers(ctx, desc, depth)
	})
	if err == nil && !ran {
		j.manifestDone(desc, HowPresent)
	}
	return opErr("copying manifest", SideTarget, desc.Digest, err)
}

// placeManifest copies a manifest and its children unless the target has it
// already: a manifest in a registry implies its children are there, so the
// walk stops (one HEAD).
func (j *job) placeManifest(ctx context.Context, desc ocispec.Descriptor, depth int) error {
	var exists bool
	err := j.unit(ctx, "checking manifest", desc.Digest, func(ctx context.Context) (err error) {
		exists, err = j.dst.Manifests().Exists(ctx, desc)
		return err
	})
	if err != nil {
		return opErr("checking manifest", SideTarget, desc.Digest, err)
	}
	if exists {
		// Its blobs are in this repository: a mount source for the other
		// images of the run (an interrupted run leaves such manifests,
		// pushed by digest, without the tag above them).
		j.e.present.add(j.img.Target.Registry, j.img.Target.Repository, desc)
		j.manifestDone(desc, HowPresent)
		return nil
	}
	body, err := j.fetchManifest(ctx, desc)
	if err != nil {
		return err
	}
	if err := j.copyChildren(ctx, desc, body, depth); err != nil {
		return err
	}
	return j.pushManifest(ctx, desc, body, "")
}

// copyChildren copies the children of a manifest concurrently; the first
// failure cancels the others.
func (j *job) copyChildren(ctx context.Context, desc ocispec.Descriptor, body []byte, depth int) error {
	c, err := parseChildren(desc, body)
	if err != nil {
		return err
	}
	j.e.present.want(j.img.Target.Registry, j.img.Target.Repository, c.blobs)
	g, gctx := errgroup.WithContext(ctx)
	for _, b := range c.blobs {
		g.Go(func() error { return j.ensureBlob(gctx, b) })
	}
	for _, m := range c.manifests {
		g.Go(func() error { return j.copyManifest(gctx, m, depth) })
	}
	return g.Wait()
}

// pushManifest pushes a manifest by digest (tag "") or under a tag. oras-go
// maintains the referrers tag schema of the target when the manifest has a
// subject and the registry has no Referrers API.
func (j *job) pushManifest(ctx context.Context, desc ocispec.Descriptor, body []byte, tag string) error {
	op := "pushing manifest"
	if tag != "" {
		op = "pushing tag " + tag + " of manifest"
	}
	err := j.unit(ctx, op, desc.Digest, func(ctx context.Context) error {
		if tag == "" {
			return j.dst.Manifests().Push(ctx, desc, bytes.NewReader(body))
		}
		return j.dst.Manifests().PushReference(ctx, desc, bytes.NewReader(body), tag)
	})
	if err != nil {
		return opErr(op, SideTarget, desc.Digest, err)
	}
	j.manifestDone(desc, HowCopied)
	return nil
}

func (j *job) manifestDone(desc ocispec.Descriptor, how How) {
	j.s.emit(Event{Kind: ManifestDone, Image: j.img, Digest: desc.Digest, Size: desc.Size, How: how})
}
