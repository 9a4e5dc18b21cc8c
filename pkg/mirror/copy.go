package mirror

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// Status is the outcome of one image.
type Status int

// Statuses of a Result.
const (
	// Copied: the image was copied (Plan: would be copied).
	Copied Status = iota + 1
	// Present: the target reference already pointed at the same digest; it
	// cost one request to the target and nothing else.
	Present
	// Failed: see Result.Err.
	Failed
)

func (s Status) String() string {
	switch s {
	case Copied:
		return "copied"
	case Present:
		return "present"
	case Failed:
		return "failed"
	}
	return "unknown"
}

// Result is the outcome of one image.
type Result struct {
	Image        reference.Pair
	Status       Status
	SourceDigest digest.Digest // what the source reference resolved to
	TargetDigest digest.Digest // what was pushed (differs from SourceDigest only with Platforms filtering)
	Filtered     bool          // the index was filtered: its digest changed
	Referrers    int           // referrer and signature artifacts ensured in the target (copied or found there)
	Bytes        int64         // bytes sent to the target (blobs uploaded; mounts and skips excluded)
	Blobs        int           // blobs uploaded
	Mounted      int           // blobs mounted from another repository of the target
	Skipped      int           // blobs already in the target repository
	Err          error         // *ImageError when Status is Failed
}

// Copy copies every image, concurrently, and returns one Result per image in
// input order. It returns an error only when it cannot start (bad options,
// wrapping ErrInvalidOptions); per-image failures are in Result.Err, and the
// other images are finished all the same. Two inputs with the same Target
// are the caller's job to reject.
func Copy(ctx context.Context, images []reference.Pair, opts Options) ([]Result, error) {
	return run(ctx, images, opts, (*job).copy)
}

// run starts one goroutine per image and collects the results.
func run(ctx context.Context, images []reference.Pair, opts Options, do func(*job, context.Context, *Result) error) ([]Result, error) {
	s, err := opts.settings()
	if err != nil {
		return nil, err
	}
	e := &engine{ctx: ctx, s: s, slots: newSlots(s.Jobs)}
	results := make([]Result, len(images))
	var wg sync.WaitGroup
	for i, img := range images {
		wg.Go(func() { results[i] = e.image(ctx, i, img, do) })
	}
	wg.Wait()
	return results, nil
}

// engine is the state shared by all images of one run.
type engine struct {
	ctx        context.Context // the run's context, for work shared between images
	s          *settings
	slots      *slots
	repos      once[Repo]
	prepared   once[struct{}]
	manifests  flights     // target repository @ manifest digest (and cosign tags)
	blobPlaced flights     // target repository @ blob digest
	blobs      blobTracker // target registry @ blob digest: who got it first
	present    presentBlobs
}

// job is one image of a run.
type job struct {
	e     *engine
	s     *settings
	img   reference.Pair
	prio  int
	src   Repo
	dst   Repo
	stats struct{ bytes, blobs, mounted, skipped, referrers atomic.Int64 }
	// counted holds the blob digests already counted in stats.
	counted sync.Map
}

// image runs do for one image and turns its outcome into a Result.
func (e *engine) image(ctx context.Context, prio int, img reference.Pair, do func(*job, context.Context, *Result) error) Result {
	e.s.emit(Event{Kind: ImageStart, Image: img})
	ctx, cancel := context.WithCancel(ctx) // the first failed unit stops the image's other units
	defer cancel()
	res := Result{Image: img, Status: Copied}
	j := &job{e: e, s: e.s, img: img, prio: prio}
	err := j.open()
	if err == nil {
		err = do(j, ctx, &res)
	}
	res.Bytes = j.stats.bytes.Load()
	res.Blobs = int(j.stats.blobs.Load())
	res.Mounted = int(j.stats.mounted.Load())
	res.Skipped = int(j.stats.skipped.Load())
	res.Referrers = int(j.stats.referrers.Load())
	how := HowCopied
	if res.Status == Present {
		how = HowPresent
	}
	if err != nil {
		res.Status, res.Err, how = Failed, &ImageError{Image: img, Err: err}, ""
		e.s.log.Debug("image failed", "image", img.String(), "err", err)
	}
	e.s.emit(Event{Kind: ImageDone, Image: img, Digest: res.TargetDigest, How: how, Err: res.Err})
	return res
}

// open checks the references and gets both repositories.
func (j *job) open() error {
	src, dst := j.img.Source, j.img.Target
	switch {
	case src.Registry == "" || src.Repository == "":
		return fmt.Errorf("%w: source %q has no registry or repository", ErrBadReference, src.String())
	case src.Tag == "" && src.Digest == "":
		return fmt.Errorf("%w: source %q has neither tag nor digest", ErrBadReference, src.String())
	case dst.Registry == "" || dst.Repository == "":
		return fmt.Errorf("%w: target %q has no registry or repository", ErrBadReference, dst.String())
	}
	var err error
	if j.src, err = j.e.repository(src.Registry, src.Repository); err != nil {
		return &OpError{Op: "opening repository", Ref: src.Name(), Side: SideSource, Err: err}
	}
	if j.dst, err = j.e.repository(dst.Registry, dst.Repository); err != nil {
		return &OpError{Op: "opening repository", Ref: dst.Name(), Side: SideTarget, Err: err}
	}
	return nil
}

// copy is Copy for one image: check, prepare, walk, tag.
func (j *job) copy(ctx context.Context, res *Result) error {
	r, err := j.check(ctx, false)
	if err != nil {
		return err
	}
	res.SourceDigest, res.TargetDigest, res.Filtered = r.src.Digest, r.desc.Digest, r.filtered
	if r.present {
		j.e.present.add(j.img.Target.Registry, j.img.Target.Repository, r.desc)
		res.Status = Present
		j.s.log.Debug("image present", "image", j.img.String(), "digest", r.desc.Digest)
		if j.s.RecheckReferrers && !j.s.SkipReferrers {
			if err := j.gate(ctx); err != nil {
				return err
			}
			return j.recheckReferrers(ctx, r)
		}
		return nil
	}
	if err := j.gate(ctx); err != nil {
		return err
	}
	t := j.img.Target
	if err := j.e.prepare(t.Registry, t.Repository); err != nil {
		return &OpError{Op: "preparing repository", Ref: t.Name(), Side: SideTarget, Err: err}
	}
	if r.body == nil {
		if r.body, err = j.fetchManifest(ctx, r.desc); err != nil {
			return err
		}
	}
	return j.copyRoot(ctx, r)
}

// gate waits for Options.Gate, if any.
func (j *job) gate(ctx context.Context) error {
	if j.s.Gate == nil {
		return nil
	}
	return j.s.Gate(ctx)
}

// dstKey names the target repository in flights.
func (j *job) dstKey() string { return repoKey(j.img.Target.Registry, j.img.Target.Repository) }

// unit runs fn as one unit of work of this job (see settings.unit), with
// Retry events and debug records naming op and d.
func (j *job) unit(ctx context.Context, op string, d digest.Digest, fn func(ctx context.Context) error) error {
	return j.s.unit(ctx, j.e.slots, j.prio, fn, func(attempt int, wait time.Duration, err error) {
		j.s.log.Debug("retrying", "image", j.img.String(), "op", op, "digest", d, "attempt", attempt, "wait", wait, "err", err)
		j.s.emit(Event{Kind: Retry, Image: j.img, Op: op, Digest: d, Attempt: attempt, Wait: wait, Err: err})
	})
}
