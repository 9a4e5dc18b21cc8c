package bundle

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/inventory"
	"github.com/airlift-cli/airlift/pkg/layout"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/registry"
)

// Chart is the chart a bundle carries and how it is rendered.
type Chart struct {
	Name, Version string
	// Metadata is Chart.yaml as JSON: the config of the Helm OCI artifact.
	Metadata []byte
	// Archive is the chart's .tgz.
	Archive []byte
	// Values are the values files, in the order they are given to Helm.
	Values []File
	// Render is the rest of how the chart is rendered.
	Render Render
}

// File is a named file of the bundle.
type File struct {
	Name string
	Data []byte
}

// Render is how the chart is rendered: the flags of `helm template`
// besides the values files.
type Render struct {
	ReleaseName string   `json:"releaseName,omitempty"`
	Namespace   string   `json:"namespace,omitempty"`
	KubeVersion string   `json:"kubeVersion,omitempty"`
	APIVersions []string `json:"apiVersions,omitempty"`
	SkipTests   bool     `json:"skipTests,omitempty"`
	Set         []string `json:"set,omitempty"`
	SetString   []string `json:"setString,omitempty"`
	SetJSON     []string `json:"setJSON,omitempty"`
	SetLiteral  []string `json:"setLiteral,omitempty"`
	// Values names the values files, in order (set by Pack).
	Values []string `json:"values,omitempty"`
}

// PackRequest is one `airlift pack`.
type PackRequest struct {
	// The images: an application's (a chart's inventory) and references.
	Inventory *inventory.Report
	Images    []string
	// Chart is carried as a Helm OCI artifact with its values; nil = none.
	Chart *Chart
	// Output is the archive's path; a name ending in .zst is compressed
	// with zstd. What is fetched is kept in Output+".work" until the
	// archive is written, so that a pack run again after an interruption
	// fetches only what is missing. An existing archive at Output is
	// updated: its content is kept and only what is new is fetched.
	Output string
	// Split writes the archive in parts of at most Split bytes
	// (Output.000, Output.001, ...); 0 = one file.
	Split int64
	// Sync flushes the archive to disk before it gets its name; without
	// it, as tar and cp do, the page cache writes it back. Either way an
	// archive is complete when it has its name (it is written under a
	// temporary one).
	Sync bool
	// Diff is an archive the receiving side has already: blobs it holds
	// are left out of this one (manifests are kept). "" = none.
	Diff string
	// Through, when set, is where every image is fetched from, kept there
	// under its source's host (as copyjob.Request.Through).
	Through string
	// Registry reaches the source registries; nil = default options.
	Registry *registry.Client
	// Engine configures the copy engine (Jobs, Platforms, SkipReferrers,
	// Events, Logger); its Repository, Retry and Prepare are Pack's.
	Engine mirror.Options
}

// PackReport is what a pack did.
type PackReport struct {
	// Copy is the copy of the images into the archive's layout.
	Copy *copyjob.Report
	// Files are the archive's files (parts in order); empty when the
	// archive was not written (an image failed, or the pack was
	// interrupted).
	Files []string
	// Size is the archive's size in bytes.
	Size int64
	// Blobs counts the blobs written; LeftOut those left out by Diff.
	Blobs, LeftOut int
}

// Pack writes the archive of the request (see PackRequest). Per-image
// failures do not stop the others, but leave the archive unwritten (the
// work directory is kept: run again to finish); Pack then returns the
// report and an error wrapping copyjob.ErrFailed, or
// copyjob.ErrInterrupted when ctx ended first.
func Pack(ctx context.Context, req PackRequest) (*PackReport, error) {
	start := time.Now()
	log := req.Engine.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srcs, warnings, err := sources(req.Inventory, req.Images)
	if err != nil {
		return nil, err
	}
	client := req.Registry
	if client == nil {
		if client, err = registry.New(registry.Options{Logger: log}); err != nil {
			return nil, err
		}
	}
	var skip func(digest.Digest) bool
	var diffBase string
	if req.Diff != "" {
		old, err := Open(ctx, req.Diff)
		if err != nil {
			return nil, fmt.Errorf("--diff: %w", err)
		}
		defer old.Close()
		skip = func(d digest.Digest) bool { return old.HasBlob(ctx, d) }
		diffBase = filepath.Base(old.Parts[0])
	}
	l, err := openWork(ctx, req.Output)
	if err != nil {
		return nil, err
	}

	pairs := make([]reference.Pair, len(srcs))
	sourceOf := map[string]string{}              // entry name -> source reference
	original := map[string]reference.Reference{} // what is fetched -> its source
	var via reference.Mapping
	if req.Through != "" {
		if via, err = reference.ParseDestination(req.Through, reference.KeepHost); err != nil {
			return nil, fmt.Errorf("through %s: %w", req.Through, err)
		}
	}
	for i, s := range srcs {
		pairs[i] = archivePair(s)
		sourceOf[entryName(s)] = s.String()
		if req.Through != "" {
			from, err := via.Map(s)
			if err != nil {
				return nil, err
			}
			original[from.String()] = s
			pairs[i].Source = from
		}
	}
	opts := req.Engine
	opts.Repository = func(ctx context.Context, reg, repo string) (mirror.Repo, error) {
		if reg == archiveRegistry {
			return l.Repository(repo, func(tag string) string { return sourceOf[repo+":"+tag] }), nil
		}
		return client.Repository(ctx, reg, repo)
	}
	opts.Retry, opts.Prepare = client.Retry, nil
	rep := &copyjob.Report{Destination: req.Output, Platforms: req.Engine.Platforms, Warnings: warnings}
	rep.Results, err = mirror.Copy(ctx, pairs, opts)
	rep.Elapsed = time.Since(start)
	for i, r := range rep.Results {
		if s, ok := original[r.Image.Source.String()]; ok {
			rep.Results[i].Image.Source = s
		}
	}
	out := &PackReport{Copy: rep}
	if err != nil {
		return out, err
	}
	if err := tagImages(ctx, l, rep.Results); err != nil {
		return out, err
	}
	if err := l.Save(); err != nil { // what is done so far, for a resumed run
		return out, err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return out, fmt.Errorf("%w: %w", copyjob.ErrInterrupted, ctxErr)
	}
	if n := rep.Summary().Failed; n > 0 {
		return out, fmt.Errorf("%d of %d %w; the archive is not written (run the pack again to finish)", n, len(rep.Results), copyjob.ErrFailed)
	}
	chartName := ""
	if req.Chart != nil {
		if chartName, err = putChart(ctx, l, req.Chart); err != nil {
			return out, err
		}
	}
	if err := putBundle(ctx, l, req.Chart, chartName, diffBase); err != nil {
		return out, err
	}
	// Once the archive's content is written, the work directory is
	// removed while the archive is synced to disk (both take a while for
	// gigabytes). Were the sync to fail, the next pack fetches again.
	removed := make(chan error, 1)
	files, written, left, err := writeArchive(ctx, l, req.Output, req.Split, req.Sync, skip, func() {
		go func() { removed <- os.RemoveAll(workDir(req.Output)) }()
	})
	if err != nil {
		return out, err
	}
	out.Files, out.Blobs, out.LeftOut = files, written, left
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			out.Size += fi.Size()
		}
	}
	if err := <-removed; err != nil {
		log.Warn("removing the work directory", "dir", workDir(req.Output), "err", err)
	}
	rep.Elapsed = time.Since(start)
	return out, nil
}

// sources are the request's images, parsed, unique and sorted.
func sources(inv *inventory.Report, images []string) ([]reference.Reference, []discover.Warning, error) {
	var out []reference.Reference
	var warnings []discover.Warning
	seen := map[string]bool{}
	add := func(r reference.Reference) {
		if !seen[r.String()] {
			seen[r.String()] = true
			out = append(out, r)
		}
	}
	if inv != nil {
		for _, img := range inv.Images {
			add(img.Ref)
		}
		warnings = inv.Warnings
	}
	for _, s := range images {
		r, err := reference.Parse(s)
		if err != nil {
			return nil, nil, err
		}
		add(r)
	}
	if len(out) == 0 {
		return nil, warnings, errors.New("no images to pack")
	}
	slices.SortFunc(out, func(a, b reference.Reference) int { return cmp.Compare(a.String(), b.String()) })
	return out, warnings, nil
}

// workDir is where a pack keeps what it fetched until the archive is
// written.
func workDir(output string) string { return output + ".work" }

// openWork opens the work directory of output, starting it from the
// archive already at output (an update) when there is one and no work
// directory yet.
func openWork(ctx context.Context, output string) (*layout.Layout, error) {
	dir := workDir(output)
	_, statErr := os.Stat(dir)
	l, err := layout.OpenDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	if statErr == nil {
		return l, nil // resumed
	}
	if _, err := Parts(output); err != nil {
		return l, nil // a new archive
	}
	old, err := Open(ctx, output)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("updating %s: %w", output, err)
	}
	defer old.Close()
	if err := l.Import(ctx, old.Layout); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("updating %s: %w", output, err)
	}
	return l, nil
}

// tagImages names every image in index.json after its source, marked as
// an image (an image pinned by digest has no tag the engine would push).
func tagImages(ctx context.Context, l *layout.Layout, results []mirror.Result) error {
	for _, r := range results {
		if r.Status == mirror.Failed {
			continue
		}
		d, err := l.Repository(archiveRegistry, nil).Resolve(ctx, r.TargetDigest.String())
		if err != nil {
			return fmt.Errorf("naming %s in the archive: %w", r.Image.Source, err)
		}
		a := map[string]string{layout.AnnotationSource: r.Image.Source.String(), AnnotationKind: KindImage}
		if err := l.Tag(ctx, d, entryName(r.Image.Source), a); err != nil {
			return err
		}
	}
	return nil
}

// pushJSON stores a small blob and returns its descriptor.
func pushBlob(ctx context.Context, l *layout.Layout, mediaType string, data []byte, annotations map[string]string) (ocispec.Descriptor, error) {
	d := content.NewDescriptorFromBytes(mediaType, data)
	d.Annotations = annotations
	err := l.Repository(archiveRegistry, nil).Push(ctx, d, bytes.NewReader(data))
	return d, err
}

// pushManifest stores an OCI image manifest and names it.
func pushManifest(ctx context.Context, l *layout.Layout, m ocispec.Manifest, name string, annotations map[string]string) error {
	m.Versioned, m.MediaType = specs.Versioned{SchemaVersion: 2}, ocispec.MediaTypeImageManifest
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	d, err := pushBlob(ctx, l, ocispec.MediaTypeImageManifest, data, nil)
	if err != nil {
		return err
	}
	d.ArtifactType = m.ArtifactType
	if d.ArtifactType == "" {
		d.ArtifactType = m.Config.MediaType
	}
	return l.Tag(ctx, d, name, annotations)
}

// putChart stores the chart as a Helm OCI artifact, named
// charts/NAME:VERSION, as `helm push` would make it.
func putChart(ctx context.Context, l *layout.Layout, c *Chart) (string, error) {
	cfg, err := pushBlob(ctx, l, helmConfigMediaType, c.Metadata, nil)
	if err != nil {
		return "", err
	}
	layer, err := pushBlob(ctx, l, helmChartMediaType, c.Archive, nil)
	if err != nil {
		return "", err
	}
	name := "charts/" + c.Name + ":" + c.Version
	m := ocispec.Manifest{Config: cfg, Layers: []ocispec.Descriptor{layer},
		Annotations: map[string]string{ocispec.AnnotationTitle: c.Name, ocispec.AnnotationVersion: c.Version}}
	return name, pushManifest(ctx, l, m, name, map[string]string{AnnotationKind: KindChart})
}

// putBundle stores the bundle artifact: how the chart is rendered, its
// values files and the lock of every image in the archive.
func putBundle(ctx context.Context, l *layout.Layout, c *Chart, chartName, diffBase string) error {
	var layers []ocispec.Descriptor
	add := func(mediaType, title string, data []byte) error {
		d, err := pushBlob(ctx, l, mediaType, data, map[string]string{ocispec.AnnotationTitle: title})
		layers = append(layers, d)
		return err
	}
	if c != nil {
		r := c.Render
		r.Values = nil
		for i, f := range c.Values {
			name := fmt.Sprintf("values/%02d-%s", i+1, filepath.Base(f.Name))
			r.Values = append(r.Values, name)
			if err := add(MediaTypeValues, name, f.Data); err != nil {
				return err
			}
		}
		data, err := yaml.Marshal(r)
		if err != nil {
			return err
		}
		if err := add(MediaTypeRender, "render.yaml", data); err != nil {
			return err
		}
	}
	lock := copyjob.Lock{Version: 1, Destination: "archive", Images: []copyjob.LockImage{}}
	for _, e := range l.Entries() {
		if e.Descriptor.Annotations[AnnotationKind] == KindImage {
			lock.Images = append(lock.Images, copyjob.LockImage{Source: e.Source, Digest: e.Descriptor.Digest.String(), Target: e.Name})
		}
	}
	data, err := yaml.Marshal(lock)
	if err != nil {
		return err
	}
	if err := add(MediaTypeLock, "lock.yaml", data); err != nil {
		return err
	}
	empty, err := pushBlob(ctx, l, ocispec.MediaTypeEmptyJSON, []byte("{}"), nil)
	if err != nil {
		return err
	}
	a := map[string]string{}
	if chartName != "" {
		a["io.airlift.chart"] = chartName
	}
	if diffBase != "" {
		a[AnnotationDiffBase] = diffBase
	}
	m := ocispec.Manifest{ArtifactType: ArtifactTypeBundle, Config: empty, Layers: layers, Annotations: a}
	return pushManifest(ctx, l, m, bundleName, map[string]string{AnnotationKind: KindBundle})
}

// testCreate, set by tests, makes the files an archive is written to.
var testCreate func(dir, pattern string) (partFile, error)

// writeArchive writes the layout's tar (zstd-compressed for a .zst name)
// to output, in parts of split bytes; nothing is at output until it is
// complete. done is called when the content is written, before it is
// synced. It returns the files and how many blobs were written and left
// out.
func writeArchive(ctx context.Context, l *layout.Layout, output string, split int64, sync bool, skip func(digest.Digest) bool, done func()) ([]string, int, int, error) {
	pw := newPartsWriter(output, split)
	pw.sync = sync
	if testCreate != nil {
		pw.create = testCreate
	}
	var w io.Writer = pw
	var zw *zstd.Encoder
	if filepath.Ext(output) == ".zst" {
		var err error
		if zw, err = zstd.NewWriter(pw, zstd.WithEncoderLevel(zstd.SpeedDefault)); err != nil {
			return nil, 0, 0, err
		}
		w = zw
	}
	left := 0
	counted := func(d digest.Digest) bool {
		if skip != nil && skip(d) {
			left++
			return true
		}
		return false
	}
	written, err := l.WriteTar(ctx, w, layout.TarOptions{Skip: counted})
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if err != nil {
		pw.Abort()
		return nil, 0, 0, fmt.Errorf("writing %s: %w", output, err)
	}
	done()
	files, err := pw.Commit()
	if err != nil {
		return nil, 0, 0, fmt.Errorf("writing %s: %w", output, err)
	}
	return files, len(written), left, nil
}
