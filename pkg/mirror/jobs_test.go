package mirror

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/airlift-cli/airlift/pkg/reference"
)

func TestOptionsInvalid(t *testing.T) {
	t.Parallel()
	repo := func(context.Context, string, string) (Repo, error) { return nil, nil }
	tests := []struct {
		name string
		opts Options
	}{
		{"no Repository", Options{}},
		{"negative Jobs", Options{Repository: repo, Jobs: -1}},
		{"bad platform", Options{Repository: repo, Platforms: []string{"linux"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for name, fn := range map[string]func(context.Context, []reference.Pair, Options) ([]Result, error){"Copy": Copy, "Plan": Plan} {
				if _, err := fn(context.Background(), nil, tt.opts); !errors.Is(err, ErrInvalidOptions) {
					t.Errorf("%s: %v, want ErrInvalidOptions", name, err)
				}
			}
		})
	}
}

func TestCopyBadReference(t *testing.T) {
	t.Parallel()
	repo := func(context.Context, string, string) (Repo, error) { return nil, errors.New("not called") }
	good := reference.MustParse("example.com/a:1")
	tests := []struct {
		name string
		img  reference.Pair
	}{
		{"source without tag or digest", reference.Pair{Source: reference.Reference{Registry: "example.com", Repository: "a"}, Target: good}},
		{"target without repository", reference.Pair{Source: good, Target: reference.Reference{Registry: "example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Copy(context.Background(), []reference.Pair{tt.img}, Options{Repository: repo})
			if err != nil || res[0].Status != Failed || !errors.Is(res[0].Err, ErrBadReference) {
				t.Fatalf("%v %+v", err, res)
			}
		})
	}
}

func TestSlotsPriority(t *testing.T) {
	s := newSlots(1)
	ctx := context.Background()
	if err := s.acquire(ctx, 0); err != nil {
		t.Fatal(err)
	}
	order := make(chan int, 3)
	cancelled, cancel := context.WithCancel(ctx)
	go func() { // a waiter that gives up
		if err := s.acquire(cancelled, 0); err == nil {
			t.Error("cancelled waiter got a slot")
		}
	}()
	for _, prio := range []int{5, 1, 3} {
		go func() {
			if err := s.acquire(ctx, prio); err != nil {
				t.Error(err)
				return
			}
			order <- prio
			s.release()
		}()
	}
	for deadline := time.Now().Add(time.Second); ; time.Sleep(time.Millisecond) {
		s.mu.Lock()
		n := len(s.waiting)
		s.mu.Unlock()
		if n == 4 || time.Now().After(deadline) {
			break
		}
	}
	cancel()
	time.Sleep(10 * time.Millisecond)
	s.release()
	for _, want := range []int{1, 3, 5} {
		if got := <-order; got != want {
			t.Fatalf("served %d, want %d", got, want)
		}
	}
	time.Sleep(10 * time.Millisecond) // the last holder releases after sending
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.free != 1 || len(s.waiting) != 0 {
		t.Fatalf("free %d waiting %d after all released", s.free, len(s.waiting))
	}
}
