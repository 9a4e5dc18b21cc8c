package layout

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
)

// Repo is one repository of a layout, as the copy engine sees a registry's
// repository: its tags are the layout's names "NAME:TAG"; blobs and
// manifests are the layout's, shared by every repository.
type Repo struct {
	l    *Layout
	name string
	// source maps a tag to the reference it was copied from, for
	// AnnotationSource; nil = none.
	source func(tag string) string
}

// Repository returns the view of repository name ("registry/path" or any
// name). source, when not nil, gives the source reference recorded for
// each tag pushed through the view.
func (l *Layout) Repository(name string, source func(tag string) string) *Repo {
	return &Repo{l: l, name: name, source: source}
}

var _ registry.Repository = (*Repo)(nil)

func (r *Repo) refName(tag string) string { return r.name + ":" + tag }

// Fetch reads a blob or manifest.
func (r *Repo) Fetch(ctx context.Context, d ocispec.Descriptor) (io.ReadCloser, error) {
	return r.l.Fetch(ctx, d)
}

// Push stores a blob or manifest.
func (r *Repo) Push(ctx context.Context, d ocispec.Descriptor, rd io.Reader) error {
	return r.l.push(ctx, d, rd)
}

// Exists reports whether the layout has the content.
func (r *Repo) Exists(ctx context.Context, d ocispec.Descriptor) (bool, error) {
	return r.l.st.Exists(ctx, d)
}

// Delete is not supported.
func (r *Repo) Delete(context.Context, ocispec.Descriptor) error { return errdef.ErrUnsupported }

// Resolve resolves a tag of this repository or a digest.
func (r *Repo) Resolve(ctx context.Context, ref string) (ocispec.Descriptor, error) {
	if d, err := digest.Parse(ref); err == nil {
		return r.l.st.Resolve(ctx, d.String())
	}
	r.l.mu.Lock()
	e, ok := r.l.tagged[r.refName(ref)]
	r.l.mu.Unlock()
	if !ok {
		return ocispec.Descriptor{}, fmt.Errorf("%s: %w", r.refName(ref), errdef.ErrNotFound)
	}
	return ocispec.Descriptor{MediaType: e.MediaType, ArtifactType: e.ArtifactType, Digest: e.Digest, Size: e.Size}, nil
}

// Tag tags d in this repository.
func (r *Repo) Tag(ctx context.Context, d ocispec.Descriptor, ref string) error {
	var a map[string]string
	if r.source != nil {
		a = map[string]string{AnnotationSource: r.source(ref)}
	}
	return r.l.Tag(ctx, d, r.refName(ref), a)
}

// FetchReference resolves and reads a tag or digest.
func (r *Repo) FetchReference(ctx context.Context, ref string) (ocispec.Descriptor, io.ReadCloser, error) {
	d, err := r.Resolve(ctx, ref)
	if err != nil {
		return d, nil, err
	}
	rc, err := r.Fetch(ctx, d)
	return d, rc, err
}

// PushReference stores a manifest and tags it.
func (r *Repo) PushReference(ctx context.Context, d ocispec.Descriptor, rd io.Reader, ref string) error {
	if err := r.Push(ctx, d, rd); err != nil {
		return err
	}
	return r.Tag(ctx, d, ref)
}

// Tags lists the tags of this repository, sorted.
func (r *Repo) Tags(_ context.Context, last string, fn func([]string) error) error {
	prefix := r.name + ":"
	var tags []string
	r.l.mu.Lock()
	for name := range r.l.tagged {
		if t, ok := strings.CutPrefix(name, prefix); ok && !strings.Contains(t, "/") && t > last {
			tags = append(tags, t)
		}
	}
	r.l.mu.Unlock()
	slices.Sort(tags)
	if len(tags) == 0 {
		return nil
	}
	return fn(tags)
}

// Referrers lists the manifests whose subject is d (of artifactType, when
// given).
func (r *Repo) Referrers(ctx context.Context, d ocispec.Descriptor, artifactType string, fn func([]ocispec.Descriptor) error) error {
	preds, err := r.l.st.Predecessors(ctx, d)
	if err != nil {
		return err
	}
	var out []ocispec.Descriptor
	for _, p := range preds {
		if !IsManifest(p.MediaType) {
			continue
		}
		body, err := r.readManifest(ctx, p)
		if err != nil {
			return err
		}
		var m struct {
			ArtifactType string              `json:"artifactType"`
			Config       ocispec.Descriptor  `json:"config"`
			Subject      *ocispec.Descriptor `json:"subject"`
			Annotations  map[string]string   `json:"annotations"`
		}
		if json.Unmarshal(body, &m) != nil || m.Subject == nil || m.Subject.Digest != d.Digest {
			continue // an index holding d, not a referrer
		}
		at := m.ArtifactType
		if at == "" {
			at = m.Config.MediaType
		}
		if artifactType != "" && at != artifactType {
			continue
		}
		out = append(out, ocispec.Descriptor{MediaType: p.MediaType, ArtifactType: at, Digest: p.Digest, Size: p.Size, Annotations: m.Annotations})
	}
	slices.SortFunc(out, func(a, b ocispec.Descriptor) int { return strings.Compare(a.Digest.String(), b.Digest.String()) })
	if len(out) == 0 {
		return nil
	}
	return fn(out)
}

func (r *Repo) readManifest(ctx context.Context, d ocispec.Descriptor) ([]byte, error) {
	if d.Size > 4<<20 {
		return nil, fmt.Errorf("manifest %s of %d bytes is too large", d.Digest, d.Size)
	}
	rc, err := r.Fetch(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return content.ReadAll(rc, d)
}

// Blobs returns the blob store.
func (r *Repo) Blobs() registry.BlobStore { return blobs{r} }

// Manifests returns the manifest store.
func (r *Repo) Manifests() registry.ManifestStore { return r }

// blobs is the blob store of a Repo: resolved by digest only.
type blobs struct{ r *Repo }

func (b blobs) Fetch(ctx context.Context, d ocispec.Descriptor) (io.ReadCloser, error) {
	return b.r.Fetch(ctx, d)
}
func (b blobs) Push(ctx context.Context, d ocispec.Descriptor, rd io.Reader) error {
	return b.r.Push(ctx, d, rd)
}
func (b blobs) Exists(ctx context.Context, d ocispec.Descriptor) (bool, error) {
	return b.r.Exists(ctx, d)
}
func (b blobs) Delete(context.Context, ocispec.Descriptor) error { return errdef.ErrUnsupported }
func (b blobs) Resolve(ctx context.Context, ref string) (ocispec.Descriptor, error) {
	d, err := digest.Parse(ref)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("%s: %w", ref, errdef.ErrInvalidReference)
	}
	return b.r.l.st.Resolve(ctx, d.String())
}
func (b blobs) FetchReference(ctx context.Context, ref string) (ocispec.Descriptor, io.ReadCloser, error) {
	d, err := b.Resolve(ctx, ref)
	if err != nil {
		return d, nil, err
	}
	rc, err := b.Fetch(ctx, d)
	return d, rc, err
}

// Mount makes a blob of another repository of the layout available in
// this one: every repository shares the layout's blobs, so there is
// nothing to do when the layout has it (the copy engine mounts a blob
// shared by several images instead of fetching it for each). Otherwise
// getContent gives it.
func (r *Repo) Mount(ctx context.Context, d ocispec.Descriptor, _ string, getContent func() (io.ReadCloser, error)) error {
	if ok, err := r.Exists(ctx, d); err == nil && ok {
		return nil
	}
	if getContent == nil {
		return fmt.Errorf("%s: %w", d.Digest, errdef.ErrNotFound)
	}
	rc, err := getContent()
	if err != nil {
		return err
	}
	defer rc.Close()
	return r.Push(ctx, d, rc)
}

var _ registry.Mounter = (*Repo)(nil)
