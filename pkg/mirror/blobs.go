package mirror

import (
	"context"
	"io"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry"
)

// blobTracker remembers, per target registry and blob digest, which
// repository received the blob first in this run, so that every other
// repository of that registry mounts it from there instead of uploading it
// again. While the first copy is in flight, the others wait for it.
type blobTracker struct {
	mu sync.Mutex
	m  map[string]*blobHolder
}

type blobHolder struct {
	done chan struct{} // closed when the first copy settled
	repo string        // the repository that has the blob (on success)
	ok   bool
}

// claim returns the repository to mount key from, or a channel to wait on
// while another repository receives it, or own=true: the caller places the
// blob first and must call settle.
func (t *blobTracker) claim(key string) (from string, wait <-chan struct{}, own bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = make(map[string]*blobHolder)
	}
	h := t.m[key]
	switch {
	case h == nil:
		t.m[key] = &blobHolder{done: make(chan struct{})}
		return "", nil, true
	case h.ok:
		return h.repo, nil, false
	}
	return "", h.done, false
}

// settle records the outcome of an owned claim. A failure is forgotten: the
// next claim for key owns it.
func (t *blobTracker) settle(key, repo string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.m[key]
	if err != nil {
		delete(t.m, key)
	} else {
		h.repo, h.ok = repo, true
	}
	close(h.done)
}

// ensureBlob makes a blob present in the target repository, once per run,
// and counts how.
func (j *job) ensureBlob(ctx context.Context, desc ocispec.Descriptor) error {
	var how How
	ran, err := j.e.blobPlaced.do(ctx, j.dstKey()+"@"+desc.Digest.String(), func() (err error) {
		how, err = j.placeBlob(ctx, desc)
		return err
	})
	if err != nil {
		err = opErr("copying blob", SideTarget, desc.Digest, err)
		j.s.emit(Event{Kind: BlobDone, Image: j.img, Digest: desc.Digest, Size: desc.Size, Err: err})
		return err
	}
	if !ran {
		how = HowPresent // placed earlier in this run
	}
	if idx := j.s.Blobs; idx != nil {
		idx.Record(j.img.Target.Registry, j.img.Target.Repository, desc.Digest)
	}
	if _, dup := j.counted.LoadOrStore(desc.Digest, true); dup {
		return nil // a blob used twice by one image (a layer shared by its platforms) counts once
	}
	switch how {
	case HowCopied:
		j.stats.blobs.Add(1)
		j.stats.bytes.Add(desc.Size)
	case HowMounted:
		j.stats.mounted.Add(1)
	default:
		j.stats.skipped.Add(1)
	}
	j.s.emit(Event{Kind: BlobDone, Image: j.img, Digest: desc.Digest, Size: desc.Size, Done: desc.Size, How: how})
	return nil
}

// placeBlob mounts the blob from the repository of the target registry that
// got it first in this run, waiting for that copy if it is in flight, or
// else places it itself.
func (j *job) placeBlob(ctx context.Context, desc ocispec.Descriptor) (How, error) {
	key := j.img.Target.Registry + "@" + desc.Digest.String()
	for {
		from, wait, own := j.e.blobs.claim(key)
		switch {
		case own:
			how, err := j.firstBlob(ctx, desc)
			j.e.blobs.settle(key, j.img.Target.Repository, err)
			return how, err
		case wait != nil:
			select {
			case <-wait:
			case <-ctx.Done():
				return "", ctx.Err()
			}
		default:
			return j.mountBlob(ctx, desc, from)
		}
	}
}

// firstBlob places a blob the run has not placed in this registry yet: a
// mount from the source repository when source and target share the
// registry, else a HEAD (present: skip), a mount from the repository of an
// image found present or of another image of the run that has it already
// (see presentBlobs), or an upload.
func (j *job) firstBlob(ctx context.Context, desc ocispec.Descriptor) (How, error) {
	src, dst := j.img.Source, j.img.Target
	if src.Registry == dst.Registry && src.Repository != dst.Repository {
		return j.mountBlob(ctx, desc, src.Repository)
	}
	var exists bool
	err := j.unit(ctx, "checking blob", desc.Digest, func(ctx context.Context) (err error) {
		exists, err = j.dst.Blobs().Exists(ctx, desc)
		return err
	})
	if err != nil {
		return "", opErr("checking blob", SideTarget, desc.Digest, err)
	}
	if exists {
		return HowPresent, nil
	}
	if from, ok := j.mountSource(ctx, desc); ok {
		return j.mountBlob(ctx, desc, from)
	}
	if from, ok := j.probe(ctx, desc); ok {
		return j.mountBlob(ctx, desc, from)
	}
	if idx := j.s.Blobs; idx != nil {
		if from, ok := idx.Lookup(dst.Registry, desc.Digest); ok && from != dst.Repository {
			j.s.log.Debug("mounting a blob an earlier run placed", "image", j.img.String(), "digest", desc.Digest, "from", from)
			return j.mountBlob(ctx, desc, from)
		}
	}
	return HowCopied, j.upload(ctx, desc)
}

// mountBlob mounts a blob from another repository of the target registry
// (one POST). A registry that cannot mount answers by opening an upload,
// which oras-go completes with the source content; a failed mount falls back
// to a plain upload.
func (j *job) mountBlob(ctx context.Context, desc ocispec.Descriptor, from string) (How, error) {
	m, ok := j.dst.(registry.Mounter)
	if !ok {
		return HowCopied, j.upload(ctx, desc)
	}
	var uploaded bool
	err := j.s.unit(ctx, j.e.slots, j.prio, func(ctx context.Context) error {
		return m.Mount(ctx, desc, from, func() (io.ReadCloser, error) {
			uploaded = true
			j.s.emit(Event{Kind: BlobStart, Image: j.img, Digest: desc.Digest, Size: desc.Size, Attempt: 1})
			rc, err := j.src.Blobs().Fetch(ctx, desc)
			if err != nil {
				return nil, err
			}
			return struct {
				io.Reader
				io.Closer
			}{j.progress(desc, rc), rc}, nil
		})
	}, nil) // no retries here: a failure falls back to upload, which retries
	switch {
	case err == nil && uploaded:
		return HowCopied, nil
	case err == nil:
		j.s.log.Debug("blob mounted", "image", j.img.String(), "digest", desc.Digest, "from", from)
		return HowMounted, nil
	case ctx.Err() != nil:
		return "", ctx.Err()
	}
	j.s.log.Debug("mount failed; uploading", "image", j.img.String(), "digest", desc.Digest, "from", from, "err", err)
	return HowCopied, j.upload(ctx, desc)
}

// upload copies a blob from the source to the target as one unit of work:
// the source GET streams into the target PUT, so a failure of either side
// repeats both (a streamed body cannot be replayed). No hashing here: the
// target verifies the digest given with the PUT and oras-go checks the size.
func (j *job) upload(ctx context.Context, desc ocispec.Descriptor) error {
	attempt := 0
	return j.unit(ctx, "copying blob", desc.Digest, func(ctx context.Context) error {
		attempt++
		j.s.emit(Event{Kind: BlobStart, Image: j.img, Digest: desc.Digest, Size: desc.Size, Attempt: attempt})
		rc, err := j.src.Blobs().Fetch(ctx, desc)
		if err != nil {
			return opErr("fetching blob", SideSource, desc.Digest, err)
		}
		defer rc.Close()
		pr := j.progress(desc, rc)
		if err := j.dst.Blobs().Push(ctx, desc, pr); err != nil {
			if pr.err != nil && ctx.Err() == nil { // the source failed mid-stream
				return opErr("reading blob", SideSource, desc.Digest, pr.err)
			}
			return opErr("pushing blob", SideTarget, desc.Digest, err)
		}
		return nil
	})
}

// progress wraps a blob stream with BlobProgress events.
func (j *job) progress(desc ocispec.Descriptor, r io.Reader) *progressReader {
	return &progressReader{r: r, size: desc.Size, emit: func(done int64) {
		j.s.emit(Event{Kind: BlobProgress, Image: j.img, Digest: desc.Digest, Size: desc.Size, Done: done})
	}}
}
