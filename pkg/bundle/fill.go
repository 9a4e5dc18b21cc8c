package bundle

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"

	"github.com/airlift-cli/airlift/pkg/layout"
	"github.com/airlift-cli/airlift/pkg/mirror"
)

// journal records the blobs written into a sink (digest, offset, size, a
// line each), so that a pack run again after an interruption keeps them;
// each is checked against its digest before it is kept.
type journal struct {
	mu sync.Mutex
	f  *os.File
}

type journalEntry struct{ offset, size int64 }

// readJournal reads a journal; a line it cannot read ends it (a crash can
// leave half a line).
func readJournal(path string) map[digest.Digest]journalEntry {
	out := map[digest.Digest]journalEntry{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			break
		}
		d, err := digest.Parse(fields[0])
		off, err1 := strconv.ParseInt(fields[1], 10, 64)
		size, err2 := strconv.ParseInt(fields[2], 10, 64)
		if err != nil || err1 != nil || err2 != nil {
			break
		}
		out[d] = journalEntry{off, size}
	}
	return out
}

func openJournal(path string, fresh bool) (*journal, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if fresh {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, err
	}
	return &journal{f: f}, nil
}

func (j *journal) add(d digest.Digest, off, size int64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, err := fmt.Fprintf(j.f, "%s %d %d\n", d, off, size)
	return err
}

func (j *journal) Close() error { return j.f.Close() }

// blobTask is one blob of the plan and where it comes from, in the order
// tried: a file of the work layout, the sink itself (written by an
// interrupted run: checked), an earlier partial archive or the archive
// updated, the source registries.
type blobTask struct {
	f       layout.TarFile
	file    string
	inPlace bool
	local   io.ReaderAt
	repos   []repoRef
	// images are the indexes of the images that need the blob, in order;
	// the first is charged with fetching it.
	images []int
	// finished: the blob is in place, how (set by filler.run).
	finished bool
	how      blobHow
}

// repoRef names a source repository.
type repoRef struct{ registry, repository string }

// how a blob got into the archive.
type blobHow int

const (
	fetched blobHow = iota + 1 // from a registry
	kept                       // already there, or copied from a local file
)

// filler fetches and copies blobs into their places in a sink.
type filler struct {
	sink    *sink
	journal *journal
	jobs    int
	open    func(ctx context.Context, r repoRef) (mirror.Repo, error)
	retry   func(attempt int, err error) (time.Duration, bool)
	// emit reports fetches as the engine's events do (image: the image
	// charged with the blob).
	emit func(image int, ev mirror.Event)
	// done is called once per task that succeeded.
	done func(t *blobTask, how blobHow)

	bufs sync.Pool
}

// run does every task, jobs at a time, largest first; it returns the
// failures by task.
func (fl *filler) run(ctx context.Context, tasks []*blobTask) map[*blobTask]error {
	fl.bufs.New = func() any { b := make([]byte, 256<<10); return &b }
	order := slices.Clone(tasks)
	slices.SortStableFunc(order, func(a, b *blobTask) int { return cmp.Compare(b.f.Size, a.f.Size) })
	work := make(chan *blobTask)
	var mu sync.Mutex
	failed := map[*blobTask]error{}
	var wg sync.WaitGroup
	for range max(1, fl.jobs) {
		wg.Go(func() {
			for t := range work {
				how, err := fl.one(ctx, t)
				if err == nil {
					err = fl.journal.add(t.f.Blob.Digest, t.f.Offset, t.f.Size)
				}
				if err != nil {
					mu.Lock()
					failed[t] = err
					mu.Unlock()
					continue
				}
				mu.Lock()
				t.finished, t.how = true, how
				mu.Unlock()
				fl.done(t, how)
			}
		})
	}
feed:
	for _, t := range order {
		select {
		case work <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if ctx.Err() != nil {
		for _, t := range order {
			mu.Lock()
			if _, ok := failed[t]; !ok && !t.finished {
				failed[t] = ctx.Err()
			}
			mu.Unlock()
		}
	}
	return failed
}

// one puts one blob in place.
func (fl *filler) one(ctx context.Context, t *blobTask) (blobHow, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	d := t.f.Blob
	if t.inPlace {
		if fl.check(t) == nil {
			return kept, nil
		}
	}
	// A local copy that fails is fetched instead, unless the archive
	// itself cannot be written.
	var werr *writeError
	if t.file != "" {
		f, err := os.Open(t.file)
		if err == nil {
			err = fl.put(t, f, nil)
			f.Close()
		}
		if err == nil {
			return kept, nil
		} else if errors.As(err, &werr) {
			return 0, err
		}
	}
	if t.local != nil {
		err := fl.put(t, io.NewSectionReader(t.local, 0, d.Size), nil)
		if err == nil {
			return kept, nil
		} else if errors.As(err, &werr) {
			return 0, err
		}
	}
	if len(t.repos) == 0 {
		return 0, fmt.Errorf("blob %s: %w", d.Digest, errdef.ErrNotFound)
	}
	var err error
	for _, r := range t.repos {
		if err = fl.fetch(ctx, t, r); !errors.Is(err, errdef.ErrNotFound) {
			break
		}
	}
	if err != nil {
		return 0, err
	}
	return fetched, nil
}

// fetch copies a blob from a source repository, tried again as the
// registry client's policy says.
func (fl *filler) fetch(ctx context.Context, t *blobTask, r repoRef) error {
	d := t.f.Blob
	img := t.images[0]
	repo, err := fl.open(ctx, r)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		fl.emit(img, mirror.Event{Kind: mirror.BlobStart, Digest: d.Digest, Size: d.Size, Attempt: attempt})
		err = func() error {
			rc, err := repo.Blobs().Fetch(ctx, ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size})
			if err != nil {
				return err
			}
			defer rc.Close()
			var since int64
			return fl.put(t, rc, func(done int64) {
				if done-since >= 1<<20 || done == d.Size {
					since = done
					fl.emit(img, mirror.Event{Kind: mirror.BlobProgress, Digest: d.Digest, Size: d.Size, Done: done})
				}
			})
		}()
		if err == nil {
			fl.emit(img, mirror.Event{Kind: mirror.BlobDone, Digest: d.Digest, Size: d.Size, Done: d.Size, How: mirror.HowCopied})
			return nil
		}
		err = &mirror.OpError{Op: "fetching blob", Digest: d.Digest, Side: mirror.SideSource, Err: err}
		if ctx.Err() != nil || errors.Is(err, errdef.ErrNotFound) || fl.retry == nil {
			break
		}
		wait, again := fl.retry(attempt, err)
		if !again {
			break
		}
		fl.emit(img, mirror.Event{Kind: mirror.Retry, Op: "fetching blob", Digest: d.Digest, Attempt: attempt, Wait: wait, Err: err})
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	fl.emit(img, mirror.Event{Kind: mirror.BlobDone, Digest: d.Digest, Size: d.Size, Err: err})
	return err
}

// put writes a blob read from r at its place, checked against its digest;
// progress, when set, is called with the bytes written so far.
func (fl *filler) put(t *blobTask, r io.Reader, progress func(int64)) error {
	d := t.f.Blob
	bp := fl.bufs.Get().(*[]byte)
	defer fl.bufs.Put(bp)
	buf := *bp
	h := d.Digest.Algorithm().Hash()
	var n int64
	for n < d.Size {
		m, err := io.ReadFull(r, buf[:min(int64(len(buf)), d.Size-n)])
		if m > 0 {
			h.Write(buf[:m])
			if _, werr := fl.sink.WriteAt(buf[:m], t.f.Offset+n); werr != nil {
				return &writeError{werr}
			}
			n += int64(m)
			if progress != nil {
				progress(n)
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("blob %s ended after %d of %d bytes", d.Digest, n, d.Size)
			}
			return err
		}
	}
	if got := digest.NewDigestFromBytes(d.Digest.Algorithm(), h.Sum(nil)); got != d.Digest {
		return fmt.Errorf("blob %s has digest %s", d.Digest, got)
	}
	if pad := t.f.Padding(); pad > 0 {
		if _, err := fl.sink.WriteAt(make([]byte, pad), t.f.Offset+d.Size); err != nil {
			return &writeError{err}
		}
	}
	return nil
}

// check verifies a blob already at its place in the sink.
func (fl *filler) check(t *blobTask) error {
	d := t.f.Blob
	bp := fl.bufs.Get().(*[]byte)
	defer fl.bufs.Put(bp)
	var h hash.Hash = d.Digest.Algorithm().Hash()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(fl.sink, t.f.Offset, d.Size), *bp); err != nil {
		return err
	}
	if digest.NewDigestFromBytes(d.Digest.Algorithm(), h.Sum(nil)) != d.Digest {
		return fmt.Errorf("blob %s changed", d.Digest)
	}
	return nil
}

// writeError is a failed write to the archive (a full disk): it fails the
// pack, whatever image it was for.
type writeError struct{ err error }

func (e *writeError) Error() string { return "writing the archive: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }
