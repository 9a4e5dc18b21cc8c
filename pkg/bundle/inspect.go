package bundle

import (
	"context"

	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/layout"
)

// Contents is what an archive holds.
type Contents struct {
	Files      []string            `json:"files"`
	Size       int64               `json:"size"`
	Compressed bool                `json:"compressed"`
	Images     []Image             `json:"images"`
	Chart      *ChartInfo          `json:"chart,omitempty"`
	Values     []string            `json:"values,omitempty"`
	Render     *Render             `json:"render,omitempty"`
	Lock       []copyjob.LockImage `json:"lock,omitempty"`
	// DiffBase names the archive this one was packed against (--diff):
	// its blobs are not in this one.
	DiffBase string `json:"diffBase,omitempty"`
	// Blobs counts the blobs reachable from index.json, Bytes their size.
	Blobs int   `json:"blobs"`
	Bytes int64 `json:"bytes"`
	// Verified is set when every blob was read and matched its digest.
	Verified bool `json:"verified,omitempty"`
}

// Image is one image of an archive.
type Image struct {
	Name      string   `json:"name"`
	Source    string   `json:"source,omitempty"`
	Digest    string   `json:"digest"`
	MediaType string   `json:"mediaType"`
	Platforms []string `json:"platforms,omitempty"`
	// Size is the bytes of its manifests, configs and layers (shared
	// layers counted in every image that has them).
	Size int64 `json:"size"`
	// Referrers counts signatures, attestations and SBOMs of the image:
	// OCI referrers and cosign tags, of its index and its manifests.
	Referrers int `json:"referrers"`
}

// ChartInfo names the chart an archive carries.
type ChartInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Entry   string `json:"entry"`
	Digest  string `json:"digest"`
}

// Inspect lists what the archive holds without extracting it. With
// verify, every blob is read and checked against its digest: the first
// that does not match is the error, naming the part, the entry and the
// blob.
func Inspect(ctx context.Context, a *Archive, verify bool) (*Contents, error) {
	c := &Contents{Files: a.Parts, Size: a.Size, Compressed: a.Compressed, Images: []Image{}}
	entries := a.Entries()
	if e, ok := entryOfKind(entries, KindChart); ok {
		m, err := readManifest(ctx, a.Layout, e.Descriptor)
		if err != nil {
			return nil, err
		}
		c.Chart = &ChartInfo{Name: m.Annotations[ocispec.AnnotationTitle], Version: m.Annotations[ocispec.AnnotationVersion], Entry: e.Name, Digest: e.Descriptor.Digest.String()}
	}
	if e, ok := entryOfKind(entries, KindBundle); ok {
		if err := inspectBundle(ctx, a, e.Descriptor, c); err != nil {
			return nil, err
		}
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name] = true
	}
	for _, e := range images(entries) {
		img := Image{Name: e.Name, Source: e.Source, Digest: e.Descriptor.Digest.String(), MediaType: e.Descriptor.MediaType}
		repo, _, _ := layout.SplitName(e.Name)
		cosign := func(d ocispec.Descriptor) int {
			n := 0
			for _, suffix := range []string{".sig", ".att", ".sbom"} {
				if names[repo+":"+d.Digest.Algorithm().String()+"-"+d.Digest.Encoded()+suffix] {
					n++
				}
			}
			return n
		}
		if err := imageTree(ctx, a, e.Descriptor, &img, cosign); err != nil {
			return nil, fmt.Errorf("image %s: %w", e.Name, err)
		}
		c.Images = append(c.Images, img)
	}
	reach, err := a.Reachable(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range reach {
		c.Blobs++
		c.Bytes += d.Size
		if !verify {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rc, err := a.Fetch(ctx, d)
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
	}
	c.Verified = verify
	return c, nil
}

// imageTree adds up an image's size, platforms and referrers.
func imageTree(ctx context.Context, a *Archive, d ocispec.Descriptor, img *Image, cosign func(ocispec.Descriptor) int) error {
	img.Size += d.Size
	img.Referrers += cosign(d)
	data, err := readBlob(ctx, a.Layout, ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size})
	if err != nil {
		return err
	}
	children, err := layout.Successors(data)
	if err != nil {
		return err
	}
	_ = a.Repository(archiveRegistry, nil).Referrers(ctx, d, "", func(refs []ocispec.Descriptor) error {
		img.Referrers += len(refs)
		return nil
	})
	for _, child := range children {
		if !layout.IsManifest(child.MediaType) {
			img.Size += child.Size
			continue
		}
		if p := child.Platform; p != nil {
			s := p.OS + "/" + p.Architecture
			if p.Variant != "" {
				s += "/" + p.Variant
			}
			img.Platforms = append(img.Platforms, s)
		}
		if err := imageTree(ctx, a, child, img, cosign); err != nil {
			return err
		}
	}
	return nil
}

// inspectBundle reads the bundle artifact into c.
func inspectBundle(ctx context.Context, a *Archive, d ocispec.Descriptor, c *Contents) error {
	m, err := readManifest(ctx, a.Layout, d)
	if err != nil {
		return err
	}
	c.DiffBase = m.Annotations[AnnotationDiffBase]
	for _, l := range m.Layers {
		switch l.MediaType {
		case MediaTypeValues:
			c.Values = append(c.Values, l.Annotations[ocispec.AnnotationTitle])
		case MediaTypeRender:
			data, err := readBlob(ctx, a.Layout, l)
			if err != nil {
				return err
			}
			var r Render
			if err := yaml.Unmarshal(data, &r); err != nil {
				return fmt.Errorf("render.yaml: %w", err)
			}
			c.Render = &r
		case MediaTypeLock:
			data, err := readBlob(ctx, a.Layout, l)
			if err != nil {
				return err
			}
			var lock copyjob.Lock
			if err := yaml.Unmarshal(data, &lock); err != nil {
				return fmt.Errorf("lock.yaml: %w", err)
			}
			c.Lock = lock.Images
		}
	}
	return nil
}
