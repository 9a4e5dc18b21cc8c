package mirror

import (
	"context"
	"sync"
)

// once runs a function once per key and remembers its result, errors
// included: Options.Repository and Options.Prepare are called once per
// repository and run.
type once[T any] struct {
	mu sync.Mutex
	m  map[string]*onceEntry[T]
}

type onceEntry[T any] struct {
	once sync.Once
	val  T
	err  error
}

func (o *once[T]) do(key string, fn func() (T, error)) (T, error) {
	o.mu.Lock()
	if o.m == nil {
		o.m = make(map[string]*onceEntry[T])
	}
	e := o.m[key]
	if e == nil {
		e = &onceEntry[T]{}
		o.m[key] = e
	}
	o.mu.Unlock()
	e.once.Do(func() { e.val, e.err = fn() })
	return e.val, e.err
}

// flights makes a piece of content present in a target repository once per
// run: the first caller for a key does the work, later callers wait for it
// (holding no slot) and then know the content is there without asking the
// registry. A failed flight is forgotten, and its waiters try themselves:
// the first caller may have failed only because its own image was cancelled.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	done chan struct{}
	err  error
}

// do runs fn for key unless it already succeeded or is running. ran reports
// whether this call ran fn; when it did not and err is nil, another caller
// did the work.
func (f *flights) do(ctx context.Context, key string, fn func() error) (ran bool, err error) {
	for {
		f.mu.Lock()
		if f.m == nil {
			f.m = make(map[string]*flight)
		}
		fl, ok := f.m[key]
		if !ok {
			fl = &flight{done: make(chan struct{})}
			f.m[key] = fl
			f.mu.Unlock()
			fl.err = fn()
			if fl.err != nil {
				f.mu.Lock()
				delete(f.m, key)
				f.mu.Unlock()
			}
			close(fl.done)
			return true, fl.err
		}
		f.mu.Unlock()
		select {
		case <-fl.done:
			if fl.err == nil {
				return false, nil
			}
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// repoKey names a repository in once and flights maps.
func repoKey(registry, repository string) string { return registry + "/" + repository }

// repository returns the cached Repo for registry/repository. Like prepare,
// it uses the run's context: its result is shared by images.
func (e *engine) repository(registry, repository string) (Repo, error) {
	return e.repos.do(repoKey(registry, repository), func() (Repo, error) {
		return e.s.Repository(e.ctx, registry, repository)
	})
}

// prepare calls Options.Prepare once for a target repository. It runs with
// the run's context, not the image's: an image failing for its own reasons
// must not poison the result for the other images of the repository.
func (e *engine) prepare(registry, repository string) error {
	if e.s.Prepare == nil {
		return nil
	}
	_, err := e.prepared.do(repoKey(registry, repository), func() (struct{}, error) {
		err := e.s.unit(e.ctx, e.slots, 0, func(ctx context.Context) error {
			return e.s.Prepare(ctx, registry, repository)
		}, nil)
		return struct{}{}, err
	})
	return err
}
