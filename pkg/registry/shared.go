package registry

import (
	"context"
	"sync"
)

// shared runs a function once per key at a time and remembers its
// success: callers arriving while it runs wait for it and share its
// result, error included; a failure is forgotten, so that a later call
// tries again. It serves repository preparation (one creation per
// namespace), Harbor detection (one request per host) and dry-run plans.
type shared[T any] struct {
	mu sync.Mutex
	m  map[string]*sharedCall[T]
}

type sharedCall[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// do returns the remembered result for key, or waits for the call under
// way, or runs fn. ran reports whether this call ran fn.
func (s *shared[T]) do(ctx context.Context, key string, fn func() (T, error)) (val T, ran bool, err error) {
	s.mu.Lock()
	if s.m == nil {
		s.m = map[string]*sharedCall[T]{}
	}
	if call := s.m[key]; call != nil {
		s.mu.Unlock()
		select {
		case <-call.done:
			return call.val, false, call.err
		case <-ctx.Done():
			return val, false, ctx.Err()
		}
	}
	call := &sharedCall[T]{done: make(chan struct{})}
	s.m[key] = call
	s.mu.Unlock()

	call.val, call.err = fn()
	if call.err != nil {
		s.mu.Lock()
		delete(s.m, key)
		s.mu.Unlock()
	}
	close(call.done)
	return call.val, true, call.err
}

// get returns the remembered success for key, if any (never waits).
func (s *shared[T]) get(key string) (val T, ok bool) {
	s.mu.Lock()
	call := s.m[key]
	s.mu.Unlock()
	if call == nil {
		return val, false
	}
	select {
	case <-call.done:
		return call.val, call.err == nil
	default:
		return val, false
	}
}
