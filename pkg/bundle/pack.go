package bundle

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/internal/filelock"
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
	// with zstd. The images are walked first (manifests only), then the
	// archive is laid out and each blob fetched straight into its place
	// in a file in Output+".work", which gets its name when complete: each
	// byte is written once. A journal there lets a pack run again after an
	// interruption keep what was fetched (checked against its digest). An
	// existing archive at Output is updated: its content is kept, copied
	// from it, and only what is new is fetched.
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
	// Events, Logger); its Repository, Retry and Prepare are Pack's. Jobs
	// bounds the blobs fetched at once; the walk of the images before
	// them (manifests and lookups only) runs twice as many requests.
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
	work := workDir(req.Output)
	lk, err := lockWork(work, req.Output)
	if err != nil {
		return nil, err
	}
	defer func() {
		// A pack that stopped before it had anything to keep leaves no
		// work directory.
		if entries, err := os.ReadDir(work); err == nil && len(entries) == 1 && entries[0].Name() == "lock" {
			_ = removeWork(work, lk)
		}
		lk.Unlock()
	}()
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
	old, l, err := openWork(ctx, req.Output)
	if err != nil {
		return nil, err
	}
	if old != nil {
		defer old.Close()
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
	srcRepo := map[string]repoRef{} // archive repository -> where its images are fetched from
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
		srcRepo[pairs[i].Target.Repository] = repoRef{pairs[i].Source.Registry, pairs[i].Source.Repository}
	}
	// First the images are walked into the work layout: manifests only;
	// the blobs they need are recorded, not fetched. Then the archive is
	// laid out and every blob fetched straight into its place in it.
	rec := newRecorder(pairs, req.Engine.Events)
	opts := req.Engine
	opts.Repository = func(ctx context.Context, reg, repo string) (mirror.Repo, error) {
		if reg == archiveRegistry {
			return deferRepo{Repo: l.Repository(repo, func(tag string) string { return sourceOf[repo+":"+tag] }), name: repo, rec: rec}, nil
		}
		return client.Repository(ctx, reg, repo)
	}
	opts.Events = rec.event
	opts.Retry, opts.Prepare = client.Retry, nil
	// Jobs bounds transfers; the walk transfers no blob, only manifests
	// and lookups, which wait on round trips: twice as many at once (at
	// 10 ms each way, the corpus of bench/airgap.sh walks in 0.58 s
	// instead of 0.99 s).
	jobs := cmp.Or(req.Engine.Jobs, mirror.DefaultJobs)
	opts.Jobs = 2 * jobs
	rep := &copyjob.Report{Destination: req.Output, Platforms: req.Engine.Platforms, Warnings: warnings}
	rep.Results, err = mirror.Copy(ctx, pairs, opts)
	rep.Elapsed = time.Since(start)
	out := &PackReport{Copy: rep}
	if err != nil {
		return out, err
	}
	for i, r := range rep.Results {
		if s, ok := original[r.Image.Source.String()]; ok {
			rep.Results[i].Image.Source = s
		}
	}
	log.Debug("pack: images walked", "elapsed", time.Since(start))
	unwritten := func() error {
		rec.release(rep.Results)
		rep.Elapsed = time.Since(start)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%w: %w", copyjob.ErrInterrupted, ctxErr)
		}
		if n := rep.Summary().Failed; n > 0 {
			return fmt.Errorf("%d of %d %w; the archive is not written (run the pack again to finish)", n, len(rep.Results), copyjob.ErrFailed)
		}
		return nil
	}
	if ctx.Err() != nil || rep.Summary().Failed > 0 {
		return out, unwritten()
	}
	if err := tagImages(ctx, l, rep.Results); err != nil {
		return out, err
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
	left := 0
	plan, err := l.PlanTar(ctx, layout.TarOptions{Skip: func(d digest.Digest) bool {
		if skip != nil && skip(d) {
			left++
			return true
		}
		return false
	}})
	if err != nil {
		return out, err
	}
	zst := filepath.Ext(req.Output) == ".zst"
	split := req.Split
	if zst {
		split = 0 // the tar is compressed, then split
	}
	s, tasks, j, err := layOut(work, plan, split, l, old, rec, srcRepo)
	if err != nil {
		if len(existingParts(filepath.Join(work, "tar"))) == 0 && len(existingParts(filepath.Join(work, "old"))) == 0 {
			removeWork(work, lk) // nothing fetched to keep
		}
		return out, fmt.Errorf("writing %s: %w", req.Output, err)
	}
	fl := &filler{sink: s, journal: j, jobs: jobs, retry: client.Retry, emit: rec.emit, done: rec.placed,
		open: func(ctx context.Context, r repoRef) (mirror.Repo, error) {
			return client.Repository(ctx, r.registry, r.repository)
		}}
	failed := fl.run(ctx, tasks)
	j.Close()
	rec.charge(rep.Results, tasks, failed)
	for _, t := range tasks {
		if err, ok := failed[t]; ok && (len(t.images) == 0 || errors.As(err, new(*writeError))) && ctx.Err() == nil {
			s.Close()
			unwritten()
			return out, fmt.Errorf("writing %s: %w", req.Output, err)
		}
	}
	if err := unwritten(); err != nil {
		s.Close()
		return out, err
	}
	log.Debug("pack: blobs in place", "elapsed", time.Since(start))
	files, err := commit(ctx, s, req, zst)
	if err != nil {
		return out, fmt.Errorf("writing %s: %w", req.Output, err)
	}
	if err := removeWork(work, lk); err != nil {
		log.Warn("removing the work directory", "dir", work, "err", err)
	}
	out.Files, out.LeftOut = files, left
	for _, f := range plan.Files {
		if f.Blob.Digest != "" {
			out.Blobs++
		}
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			out.Size += fi.Size()
		}
	}
	rep.Elapsed = time.Since(start)
	log.Debug("pack: archive written", "elapsed", rep.Elapsed)
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

// workDir is where a pack keeps its work until the archive is written:
// the layout of the manifests (layout/), the archive being written (tar,
// or tar.000, ...), the journal of the blobs in it (done) and, after a
// run laid out otherwise, the archive it left (old, old.000, ...).
func workDir(output string) string { return output + ".work" }

// ErrBusy is wrapped by the error of a pack whose output another pack is
// writing at the time.
var ErrBusy = errors.New("another airlift pack is writing it")

// lockWork creates the work directory of output and locks it for this
// process (work/lock), so that a second pack of the same output stops at
// once instead of overwriting the first one's work. The lock goes with
// the process, however it ends: an interrupted pack leaves none.
func lockWork(work, output string) (*filelock.Lock, error) {
	if err := os.MkdirAll(work, 0o777); err != nil {
		return nil, fmt.Errorf("writing %s: %w", output, err)
	}
	lk, err := filelock.TryLock(filepath.Join(work, "lock"))
	if le := (*filelock.LockedError)(nil); errors.As(err, &le) {
		holder := ""
		if le.PID > 0 {
			holder = fmt.Sprintf(" (pid %d)", le.PID)
		}
		return nil, fmt.Errorf("writing %s: %w%s; wait for it to end, or stop it", output, ErrBusy, holder)
	}
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", output, err)
	}
	return lk, nil
}

// removeWork removes the work directory of a finished pack: all but its
// lock, then the lock (released first: Windows removes no open file).
func removeWork(work string, lk *filelock.Lock) error {
	entries, err := os.ReadDir(work)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() != "lock" {
			if err := os.RemoveAll(filepath.Join(work, e.Name())); err != nil {
				return err
			}
		}
	}
	lk.Unlock()
	return os.RemoveAll(work)
}

// openWork makes a fresh layout for the manifests in the work directory
// of output; when an archive is at output already (an update), its
// manifests and names are the start, and it is returned open: its blobs
// are copied from it.
func openWork(ctx context.Context, output string) (*Archive, *layout.Layout, error) {
	dir := filepath.Join(workDir(output), "layout")
	if err := os.RemoveAll(dir); err != nil {
		return nil, nil, err
	}
	l, err := layout.OpenDir(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	if _, err := Parts(output); err != nil {
		return nil, l, nil // a new archive
	}
	old, err := Open(ctx, output)
	if err != nil {
		return nil, nil, fmt.Errorf("updating %s: %w", output, err)
	}
	if err := l.Import(ctx, old.Layout, true); err != nil {
		old.Close()
		return nil, nil, fmt.Errorf("updating %s: %w", output, err)
	}
	return old, l, nil
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
