package bundle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/layout"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/registry"
)

// UnpackRequest is one `airlift unpack`.
type UnpackRequest struct {
	// Archive is the archive (Open).
	Archive *Archive
	// Mapping says where each image goes, as for a copy: images keep the
	// path of their source reference under the destination.
	Mapping reference.Mapping
	// PushChart also pushes the chart to REGISTRY/PREFIX/charts/NAME:VERSION.
	PushChart bool
	// DryRun plans without writing.
	DryRun bool
	// SkipPreflight copies without the pre-flight of the target (see
	// copyjob.Run).
	SkipPreflight bool
	// Registry reaches the target; nil = default options.
	Registry *registry.Client
	// Engine configures the copy engine; its Repository, Retry and
	// Prepare are Unpack's.
	Engine mirror.Options
}

// Unpack copies the images of an archive (and, when asked, its chart)
// into a registry, as copyjob.Run copies: the target's pre-flight and
// preparation, concurrency, retries, dry run. Every blob is checked against
// its digest as it is read; a tag is pushed only after everything under it
// is in place, so an image with a corrupted blob is never tagged. Errors
// are those of copyjob.Run.
func Unpack(ctx context.Context, req UnpackRequest) (*copyjob.Report, error) {
	var srcs []reference.Reference
	inArchive := map[string]reference.Reference{} // source reference -> archive reference
	var chart *reference.Pair
	entries := req.Archive.Entries()
	if e, ok := entryOfKind(entries, KindChart); ok && req.PushChart {
		repo, tag, _ := layout.SplitName(e.Name)
		chart = &reference.Pair{Source: reference.Reference{Registry: archiveRegistry, Repository: repo, Tag: tag},
			Target: reference.Reference{Registry: req.Mapping.Registry, Repository: path.Join(req.Mapping.Prefix, repo), Tag: tag}}
	}
	for _, e := range images(entries) {
		repo, tag, dgst := layout.SplitName(e.Name)
		at := reference.Reference{Registry: archiveRegistry, Repository: repo, Tag: tag, Digest: dgst}
		src, err := reference.Parse(e.Source)
		if err != nil {
			if src, err = reference.Parse(e.Name); err != nil {
				return nil, fmt.Errorf("entry %q of the archive names no image: %w", e.Name, err)
			}
		}
		srcs = append(srcs, src)
		inArchive[src.String()] = at
	}
	pairs, err := req.Mapping.MapAll(srcs)
	if err != nil {
		return nil, err
	}
	for i := range pairs {
		pairs[i].Source = inArchive[pairs[i].Source.String()]
	}
	if chart != nil {
		pairs = append(pairs, *chart)
	}
	if len(pairs) == 0 {
		return nil, errors.New("the archive holds no images")
	}
	return copyjob.Run(ctx, copyjob.Request{
		Pairs: pairs, Mapping: req.Mapping, DryRun: req.DryRun, Registry: req.Registry,
		Engine: req.Engine, SkipPreflight: req.SkipPreflight,
		Source: func(reg, repo string) (mirror.Repo, bool) {
			if reg != archiveRegistry {
				return nil, false
			}
			return req.Archive.Repository(repo, nil), true
		},
	})
}

// ReadChart returns the chart the archive carries, with its values files
// and how it is rendered; nil when it carries none.
func ReadChart(ctx context.Context, a *Archive) (*Chart, error) {
	entries := a.Entries()
	chartEntry, ok := entryOfKind(entries, KindChart)
	if !ok {
		return nil, nil
	}
	bundleEntry, hasBundle := entryOfKind(entries, KindBundle)
	m, err := readManifest(ctx, a.Layout, chartEntry.Descriptor)
	if err != nil {
		return nil, err
	}
	if len(m.Layers) == 0 {
		return nil, fmt.Errorf("the chart %s in the archive has no chart layer", chartEntry.Name)
	}
	c := &Chart{Name: m.Annotations[ocispec.AnnotationTitle], Version: m.Annotations[ocispec.AnnotationVersion]}
	if c.Metadata, err = readBlob(ctx, a.Layout, m.Config); err != nil {
		return nil, err
	}
	if c.Archive, err = readBlob(ctx, a.Layout, m.Layers[0]); err != nil {
		return nil, err
	}
	if !hasBundle {
		return c, nil
	}
	bm, err := readManifest(ctx, a.Layout, bundleEntry.Descriptor)
	if err != nil {
		return nil, err
	}
	for _, l := range bm.Layers {
		data, err := readBlob(ctx, a.Layout, l)
		if err != nil {
			return nil, err
		}
		switch l.MediaType {
		case MediaTypeValues:
			c.Values = append(c.Values, File{Name: l.Annotations[ocispec.AnnotationTitle], Data: data})
		case MediaTypeRender:
			if err := yaml.UnmarshalStrict(data, &c.Render); err != nil {
				return nil, fmt.Errorf("render.yaml of the archive: %w", err)
			}
		}
	}
	return c, nil
}

func readBlob(ctx context.Context, l *layout.Layout, d ocispec.Descriptor) ([]byte, error) {
	if d.Size > 512<<20 {
		return nil, fmt.Errorf("%s is too large (%d bytes)", d.Digest, d.Size)
	}
	rc, err := l.Fetch(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return content.ReadAll(rc, d) // and the archive's own check of the digest
}

func readManifest(ctx context.Context, l *layout.Layout, d ocispec.Descriptor) (*ocispec.Manifest, error) {
	data, err := readBlob(ctx, l, ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size})
	if err != nil {
		return nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", d.Digest, err)
	}
	return &m, nil
}
