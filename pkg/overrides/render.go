package overrides

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/airlift-cli/airlift/pkg/discover"
)

// renderer runs a chart's renders, a bounded number at a time, and counts
// them.
type renderer struct {
	render RenderFunc
	base   map[string]any // the chart's values, for paths through lists
	sem    chan struct{}
	n      atomic.Int64
}

func newRenderer(render RenderFunc, base map[string]any, concurrency int) *renderer {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	return &renderer{render: render, base: base, sem: make(chan struct{}, concurrency)}
}

func (r *renderer) count() int { return int(r.n.Load()) }

// scan renders with extra values and finds the images. A manifest with
// documents that are not YAML is returned with what the other documents
// hold and a *SyntaxError.
func (r *renderer) scan(ctx context.Context, extra map[string]any) (*discover.Result, error) {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	manifest, err := r.render(ctx, extra)
	<-r.sem
	r.n.Add(1)
	if err != nil {
		return nil, err
	}
	res, err := discover.Scan(manifest, "")
	if err != nil {
		return res, &SyntaxError{Err: err}
	}
	return res, nil
}

// overlay builds the extra values of a render: settings first, then each
// candidate's value.
func (r *renderer) overlay(settings []Setting, set map[*candidate]any) (map[string]any, error) {
	extra := map[string]any{}
	for _, s := range settings {
		if err := assign(extra, r.base, s.Path, s.Value); err != nil {
			return nil, err
		}
	}
	for c, v := range set {
		if err := assign(extra, r.base, c.path, v); err != nil {
			return nil, err
		}
	}
	return extra, nil
}

// bisect renders with the sentinel values of cands. When the render fails,
// it renders each half apart, down to single candidates, which are then
// skipped. It returns the results of the renders that succeeded.
func (r *renderer) bisect(ctx context.Context, cands []*candidate, settings []Setting) ([]*discover.Result, []*candidate) {
	if len(cands) == 0 || ctx.Err() != nil {
		return nil, nil
	}
	set := map[*candidate]any{}
	for _, c := range cands {
		set[c] = c.markerValue()
	}
	if extra, err := r.overlay(settings, set); err == nil {
		if res, _ := r.scan(ctx, extra); res != nil {
			return []*discover.Result{res}, nil
		}
	}
	if ctx.Err() != nil {
		return nil, nil
	}
	if len(cands) == 1 {
		return nil, cands
	}
	half := len(cands) / 2
	var out [2][]*discover.Result
	var skipped [2][]*candidate
	parallel(2, func(i int) {
		part := cands[:half]
		if i == 1 {
			part = cands[half:]
		}
		out[i], skipped[i] = r.bisect(ctx, part, settings)
	})
	return append(out[0], out[1]...), append(skipped[0], skipped[1]...)
}

// parallel runs f(0..n-1) in goroutines and waits for them.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i)
		}()
	}
	wg.Wait()
}

// wrapRender names the stage of a failed render; the context's error is
// returned as is.
func wrapRender(ctx context.Context, stage Stage, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return err
	}
	var se *SyntaxError
	if errors.As(err, &se) {
		se.Stage = stage
		return se
	}
	return &RenderError{Stage: stage, Err: err}
}

// originKey identifies a place across renders: template file, object and
// field path. Via is left out: it quotes values.
func originKey(o discover.Origin) string {
	return o.File + "\x00" + o.Kind + "\x00" + o.Namespace + "\x00" + o.Name + "\x00" + o.Path
}

// looseKey leaves the object's name out too: some charts put the time of
// the render in names (a Job per upgrade).
func looseKey(o discover.Origin) string {
	return o.File + "\x00" + o.Kind + "\x00" + o.Namespace + "\x00" + o.Path
}

// places finds the uses of a trace by where a later render puts an image.
type places struct {
	full, loose map[string][]*Use
}

func newPlaces(t *Traced) places {
	p := places{full: map[string][]*Use{}, loose: map[string][]*Use{}}
	for _, img := range t.Images {
		for _, u := range img.Uses {
			p.full[originKey(u.Origin)] = append(p.full[originKey(u.Origin)], u)
			p.loose[looseKey(u.Origin)] = append(p.loose[looseKey(u.Origin)], u)
		}
	}
	return p
}

// at returns the uses at o: those of the same object, or, when no object
// has o's name, those of the one object that matches o but for its name.
func (p places) at(o discover.Origin) []*Use {
	if us := p.full[originKey(o)]; len(us) > 0 {
		return us
	}
	us := p.loose[looseKey(o)]
	for _, u := range us {
		if u.Origin.Name != us[0].Origin.Name {
			return nil
		}
	}
	return us
}
