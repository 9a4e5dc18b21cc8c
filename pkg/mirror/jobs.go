package mirror

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"

	"oras.land/oras-go/v2/errdef"
)

// slots is the one global bound on concurrent work (Options.Jobs). It is a
// semaphore whose waiters are served lowest priority value first (the index
// of the image in the input), so that the first images finish first instead
// of every image advancing a little: a run that is interrupted leaves fewer
// half-copied images, and progress is readable.
//
// A slot is held only while a unit of work talks to a registry, never while
// waiting for other units (children, an upload in flight elsewhere, a retry
// back-off), so nested waits cannot deadlock.
type slots struct {
	mu      sync.Mutex
	free    int
	seq     uint64
	waiting waiters
}

func newSlots(n int) *slots { return &slots{free: n} }

type waiter struct {
	prio  int
	seq   uint64
	ready chan struct{}
	index int
}

// acquire takes a slot, waiting behind waiters with a lower prio value.
func (s *slots) acquire(ctx context.Context, prio int) error {
	s.mu.Lock()
	if s.free > 0 {
		s.free--
		s.mu.Unlock()
		return nil
	}
	w := &waiter{prio: prio, seq: s.seq, ready: make(chan struct{})}
	s.seq++
	heap.Push(&s.waiting, w)
	s.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	select {
	case <-w.ready: // granted while we gave up: hand it on
		s.mu.Unlock()
		s.release()
	default:
		heap.Remove(&s.waiting, w.index)
		s.mu.Unlock()
	}
	return ctx.Err()
}

// release returns a slot, handing it to the first waiter if there is one.
func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiting) > 0 {
		w := heap.Pop(&s.waiting).(*waiter)
		close(w.ready)
		return
	}
	s.free++
}

// waiters is a heap ordered by (prio, seq).
type waiters []*waiter

func (h waiters) Len() int { return len(h) }
func (h waiters) Less(i, j int) bool {
	if h[i].prio != h[j].prio {
		return h[i].prio < h[j].prio
	}
	return h[i].seq < h[j].seq
}
func (h waiters) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waiters) Push(x any) {
	w := x.(*waiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *waiters) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return w
}

// permanentError marks an error that no retry can fix (bad JSON, a platform
// mismatch); unit never hands it to Options.Retry.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// unit runs fn under a slot and, when it fails, asks Options.Retry whether
// and when to run it again (without holding the slot while waiting). A
// "not found" is an answer, not a failure: it is never retried.
// onRetry, if not nil, is told about each retry before the wait.
func (s *settings) unit(ctx context.Context, sl *slots, prio int, fn func(ctx context.Context) error,
	onRetry func(attempt int, wait time.Duration, err error)) error {
	for attempt := 1; ; attempt++ {
		if err := sl.acquire(ctx, prio); err != nil {
			return err
		}
		err := fn(ctx)
		sl.release()
		if err == nil {
			return nil
		}
		var perm permanentError
		if ctx.Err() != nil || errors.As(err, &perm) || errors.Is(err, errdef.ErrNotFound) || s.Retry == nil {
			return err
		}
		wait, again := s.Retry(attempt, err)
		if !again {
			return err
		}
		if onRetry != nil {
			onRetry(attempt, wait, err)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
