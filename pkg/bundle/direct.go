package bundle

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry"

	"github.com/airlift-cli/airlift/pkg/layout"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// deferRepo is a repository of the work layout as the copy engine sees it
// while a pack walks the images: manifests are stored, blobs are not: the
// engine is told each is there, and the recorder notes who asked, so that
// the blobs are fetched afterwards straight into the archive.
type deferRepo struct {
	*layout.Repo
	name string
	rec  *recorder
}

func (r deferRepo) Blobs() registry.BlobStore { return deferBlobs{BlobStore: r.Repo.Blobs(), r: r} }

// Mount makes a blob another image asked for available here: noted.
func (r deferRepo) Mount(_ context.Context, d ocispec.Descriptor, _ string, _ func() (io.ReadCloser, error)) error {
	r.rec.ask(r.name, d.Digest)
	return nil
}

type deferBlobs struct {
	registry.BlobStore
	r deferRepo
}

func (b deferBlobs) Exists(_ context.Context, d ocispec.Descriptor) (bool, error) {
	b.r.rec.ask(b.r.name, d.Digest)
	return true, nil
}

// recorder follows a pack's two passes: while the engine walks the images
// it notes which repositories and images need each blob (the engine's
// reports of blobs found present are these, and are not passed on) and
// holds each image's ImageDone until its blobs are in the archive.
type recorder struct {
	pairs []reference.Pair
	index map[string]int // pair -> its index
	fwd   func(mirror.Event)

	mu     sync.Mutex
	repos  map[digest.Digest][]string // archive repositories that asked for it
	images map[digest.Digest][]int
	held   map[int]mirror.Event
	need   map[int]int // image -> blobs not yet in place
}

func newRecorder(pairs []reference.Pair, fwd func(mirror.Event)) *recorder {
	r := &recorder{pairs: pairs, index: map[string]int{}, fwd: fwd, repos: map[digest.Digest][]string{},
		images: map[digest.Digest][]int{}, held: map[int]mirror.Event{}, need: map[int]int{}}
	for i, p := range pairs {
		r.index[p.String()] = i
	}
	return r
}

func (r *recorder) ask(repo string, d digest.Digest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.repos[d], repo) {
		r.repos[d] = append(r.repos[d], repo)
	}
}

func (r *recorder) forward(ev mirror.Event) {
	if r.fwd != nil {
		r.fwd(ev)
	}
}

// event takes the engine's events of the first pass.
func (r *recorder) event(ev mirror.Event) {
	i, ok := r.index[ev.Image.String()]
	switch {
	case !ok:
	case ev.Kind == mirror.BlobDone && ev.Err == nil:
		r.mu.Lock()
		if !slices.Contains(r.images[ev.Digest], i) {
			r.images[ev.Digest] = append(r.images[ev.Digest], i)
			slices.Sort(r.images[ev.Digest])
		}
		r.mu.Unlock()
		return
	case ev.Kind == mirror.ImageDone && ev.Err == nil:
		r.mu.Lock()
		r.held[i] = ev
		r.mu.Unlock()
		return
	}
	r.forward(ev)
}

// emit reports the second pass's fetches as the image's.
func (r *recorder) emit(image int, ev mirror.Event) {
	ev.Image = r.pairs[image]
	r.forward(ev)
}

// start counts what each image waits for and lets go of those that wait
// for nothing.
func (r *recorder) start(tasks []*blobTask) {
	r.mu.Lock()
	for _, t := range tasks {
		for _, i := range t.images {
			r.need[i]++
		}
	}
	var ready []mirror.Event
	for i, ev := range r.held {
		if r.need[i] == 0 {
			ready = append(ready, ev)
			delete(r.held, i)
		}
	}
	r.mu.Unlock()
	for _, ev := range ready {
		r.forward(ev)
	}
}

// placed is called when a blob is in place.
func (r *recorder) placed(t *blobTask, _ blobHow) {
	var ready []mirror.Event
	r.mu.Lock()
	for _, i := range t.images {
		if r.need[i]--; r.need[i] == 0 {
			if ev, ok := r.held[i]; ok {
				ready = append(ready, ev)
				delete(r.held, i)
			}
		}
	}
	r.mu.Unlock()
	for _, ev := range ready {
		r.forward(ev)
	}
}

// charge fixes the counts of the first pass (every blob counted as found)
// by what the second did: the first image needing a blob is charged with
// it (fetched, or kept from a local file), the others share it (as
// repositories of a registry mount a blob); an image whose blob failed
// fails.
func (r *recorder) charge(results []mirror.Result, tasks []*blobTask, failed map[*blobTask]error) {
	for i := range results {
		if results[i].Status == mirror.Copied {
			results[i].Skipped, results[i].Mounted = 0, 0
		}
	}
	for _, t := range tasks {
		if len(t.images) == 0 {
			continue
		}
		if err, ok := failed[t]; ok {
			for _, i := range t.images {
				if results[i].Status != mirror.Failed {
					results[i].Status, results[i].Err = mirror.Failed, &mirror.ImageError{Image: results[i].Image, Err: err}
				}
			}
			continue
		}
		owner := &results[t.images[0]]
		if t.how == fetched {
			owner.Blobs++
			owner.Bytes += t.f.Size
		} else {
			owner.Skipped++
		}
		for _, i := range t.images[1:] {
			results[i].Mounted++
		}
	}
}

// release lets go of the ImageDone events still held, with the outcome in
// results.
func (r *recorder) release(results []mirror.Result) {
	r.mu.Lock()
	held := r.held
	r.held = map[int]mirror.Event{}
	r.mu.Unlock()
	for i, ev := range held {
		if err := results[i].Err; err != nil {
			ev.Err, ev.How = err, ""
		}
		r.forward(ev)
	}
}

// layOut prepares the sink of the plan in the work directory: the one an
// interrupted run left when it is laid out the same (its blobs are kept,
// once checked), else a new one (the blobs of an earlier one laid out
// otherwise are copied from it); writes the headers and the small files;
// and returns a task per blob.
func layOut(work string, plan *layout.TarPlan, split int64, l *layout.Layout, old *Archive, rec *recorder, srcRepo map[string]repoRef) (*sink, []*blobTask, *journal, error) {
	base, oldBase, jpath := filepath.Join(work, "tar"), filepath.Join(work, "old"), filepath.Join(work, "done")
	done := readJournal(jpath)
	s, reuse := openSink(base, plan.Size, split)
	var stale io.ReaderAt
	staleDone := map[digest.Digest]journalEntry{}
	if !reuse {
		if parts := existingParts(base); len(parts) > 0 && len(done) > 0 {
			if err := renameSink(base, oldBase); err != nil {
				return nil, nil, nil, err
			}
			if a, err := openReader(existingParts(oldBase)); err == nil {
				stale, staleDone = a, done
			}
		}
		removeSink(base)
		var err error
		if s, err = createSink(base, plan.Size, split); err != nil {
			return nil, nil, nil, err
		}
		done = nil
	}
	j, err := openJournal(jpath, !reuse)
	if err != nil {
		s.remove()
		return nil, nil, nil, err
	}
	fail := func(err error) (*sink, []*blobTask, *journal, error) {
		j.Close()
		s.Close()
		return nil, nil, nil, &writeError{err}
	}
	var tasks []*blobTask
	for _, f := range plan.Files {
		if _, err := s.WriteAt(f.Header, f.Offset-int64(len(f.Header))); err != nil {
			return fail(err)
		}
		if f.Blob.Digest == "" {
			if f.Data != nil {
				if _, err := s.WriteAt(append(f.Data, make([]byte, f.Padding())...), f.Offset); err != nil {
					return fail(err)
				}
			}
			continue
		}
		d := f.Blob.Digest
		t := &blobTask{f: f, file: l.BlobFile(d)}
		if e, ok := done[d]; ok && e.offset == f.Offset && e.size == f.Size {
			t.inPlace = true
		}
		if e, ok := staleDone[d]; ok && e.size == f.Size && stale != nil {
			t.local = io.NewSectionReader(stale, e.offset, e.size)
		} else if old != nil {
			if sr, err := old.Layout.Section(d); err == nil && sr.Size() == f.Size {
				t.local = sr
			}
		}
		rec.mu.Lock()
		t.images = slices.Clone(rec.images[d])
		for _, name := range rec.repos[d] {
			if r, ok := srcRepo[name]; ok {
				t.repos = append(t.repos, r)
			}
		}
		rec.mu.Unlock()
		tasks = append(tasks, t)
	}
	if _, err := s.WriteAt(make([]byte, 2*512), plan.Size-2*512); err != nil {
		return fail(err)
	}
	rec.start(tasks)
	return s, tasks, j, nil
}

// existingParts lists the files of a sink named after base (see Parts),
// none when there is none.
func existingParts(base string) []string {
	parts, err := Parts(base)
	if err != nil {
		return nil
	}
	return parts
}

// openReader opens files laid end to end for reading; it is closed with
// the process (an old partial archive, read during one pack).
func openReader(names []string) (io.ReaderAt, error) {
	if len(names) == 0 {
		return nil, os.ErrNotExist
	}
	s := &sink{}
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			s.Close()
			return nil, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			s.Close()
			return nil, err
		}
		if len(s.files) == 0 && len(names) > 1 {
			s.split = fi.Size()
		}
		s.size += fi.Size()
		s.files = append(s.files, f)
	}
	return s, nil
}

// commit gives the written sink its name(s), compressed first for a .zst
// archive; what an earlier archive of that name left is removed.
func commit(ctx context.Context, s *sink, req PackRequest, zst bool) ([]string, error) {
	if zst {
		defer s.remove()
		pw := newPartsWriter(req.Output, req.Split)
		pw.sync = req.Sync
		zw, err := zstd.NewWriter(pw, zstd.WithEncoderLevel(zstd.SpeedDefault))
		if err == nil {
			_, err = io.Copy(zw, io.NewSectionReader(ctxReaderAt{ctx, s}, 0, s.size))
			if cerr := zw.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			pw.Abort()
			return nil, err
		}
		return pw.Commit()
	}
	if req.Sync {
		if err := s.Sync(); err != nil {
			s.Close()
			return nil, err
		}
	}
	from := s.names()
	if err := s.Close(); err != nil {
		return nil, err
	}
	names := sinkNames(req.Output, s.size, req.Split)
	for i, f := range from {
		if err := os.Rename(f, names[i]); err != nil {
			return nil, err
		}
	}
	clearAfter(req.Output, len(names), req.Split > 0)
	if req.Sync {
		syncDir(req.Output)
	}
	return names, nil
}

// ctxReaderAt stops reading when the context ends.
type ctxReaderAt struct {
	ctx context.Context
	r   io.ReaderAt
}

func (c ctxReaderAt) ReadAt(b []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.ReadAt(b, off)
}

// partialName is a temporary name for a file of an archive beside it.
func partialName(path string, i int) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".partial-"+strconv.Itoa(os.Getpid())+"-"+strconv.Itoa(i))
}
