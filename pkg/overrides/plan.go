package overrides

import (
	"context"
	"slices"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// PlanOptions tune Plan.
type PlanOptions struct {
	// PullSecret, when set, is the name of an image pull secret added to
	// the chart's pull-secret keys (global.imagePullSecrets and every
	// imagePullSecrets or pullSecrets list in the values).
	PullSecret string
	// Rounds bounds the check renders: when the check finds an image that
	// the plan meant to move elsewhere, the next best way is tried for it
	// and the chart rendered again. 0 means 3.
	Rounds int
}

// Plan chooses values that make the chart render every traced image at
// mapping.Map of itself, and checks them by rendering. It prefers one
// chart-wide knob (global.imageRegistry and the like) where that moves
// images to their targets, then the fewest per-image values for the rest:
// a whole reference, a registry key set to REGISTRY[/PREFIX], a repository
// (with the host when it carried one), both, or an empty image value filled
// in. Tags and digests are kept. The settings relocated images need and
// the pull secret are added. When the check finds an image elsewhere than
// planned, the next best way is tried for it and the chart rendered again.
//
// The returned overrides carry the last check. Images that no values path
// controls are left as they are and show in the check as template-only
// leaks. Errors: a reference.Collisions when two images map to one target,
// *RenderError, *SyntaxError, or the context's error.
func Plan(ctx context.Context, c Chart, t *Traced, m reference.Mapping, opts PlanOptions) (*Overrides, error) {
	if c.Render == nil {
		return nil, ErrNoRender
	}
	targets, err := targetsOf(t, m)
	if err != nil {
		return nil, err
	}
	p := &planner{
		t:        t,
		m:        m,
		sv:       &solver{cands: t.cands, dest: m.String()},
		targets:  targets,
		failed:   map[*Use]map[string]bool{},
		notKnob:  map[*Use]bool{},
		knobVals: map[int]string{},
	}
	rounds := opts.Rounds
	if rounds <= 0 {
		rounds = 3
	}
	r := newRenderer(c.Render, c.Values, 1)
	extras := slices.Clone(t.Settings)
	extras = append(extras, pullSecrets(c, opts.PullSecret)...)
	idx := newPlaces(t)
	var o *Overrides
	for round := range rounds {
		best := p.best()
		o = p.overrides(best, extras, c)
		res, err := r.scan(ctx, o.Values())
		if err != nil {
			return nil, wrapRender(ctx, StageOverrides, err)
		}
		o.Check = t.compare(res, targets)
		o.Renders = r.count()
		if o.Check.OK() || round == rounds-1 || !p.retry(best, o.Check, idx) {
			break
		}
	}
	noteVersionMaps(o, c.Values)
	return o, nil
}

// planner holds what Plan has learnt between rounds.
type planner struct {
	t        *Traced
	m        reference.Mapping
	sv       *solver
	targets  map[string]reference.Pair
	failed   map[*Use]map[string]bool // strategies the check refuted
	notKnob  map[*Use]bool            // uses the knob did not move as predicted
	knobVals map[int]string           // the value of each knob
}

// option is a plan with a set of knobs (maybe none).
type option struct {
	knobs      []*candidate
	knobValues map[int]string
	moved      map[*Use]*candidate // by a knob
	chosen     map[*Use]strategy
	values     map[string]assignment // by path
	unresolved int
}

func (o *option) cost() (int, int) {
	return o.unresolved, len(o.values) + len(o.knobs)
}

// movedBy returns the uses knob k moves, in trace order.
func (o *option) movedBy(k *candidate, t *Traced) []*Use {
	var out []*Use
	for _, img := range t.Images {
		for _, u := range img.Uses {
			if o.moved[u] == k {
				out = append(out, u)
			}
		}
	}
	return out
}

// better reports whether o beats best: fewer images left where they are,
// then fewer values, then more images moved by knobs.
func (o *option) better(best *option) bool {
	u1, n1 := o.cost()
	u2, n2 := best.cost()
	if u1 != u2 {
		return u1 < u2
	}
	if n1 != n2 {
		return n1 < n2
	}
	return len(o.moved) > len(best.moved)
}

// best evaluates no knob and every knob alone, then adds knobs one at a
// time while that leaves fewer images behind or needs fewer values: the
// knob moving the most images with the fewest values first.
func (p *planner) best() *option {
	best := p.evaluate(nil)
	for _, k := range p.t.knobs {
		o := p.evaluate([]*candidate{k})
		if len(o.moved) > 0 && o.better(best) {
			best = o
		}
	}
	for len(best.knobs) > 0 {
		var next *option
		for _, k := range p.t.knobs {
			if slices.Contains(best.knobs, k) {
				continue
			}
			o := p.evaluate(append(slices.Clone(best.knobs), k))
			if len(o.movedBy(k, p.t)) == 0 {
				continue
			}
			if o.better(best) && (next == nil || o.better(next)) {
				next = o
			}
		}
		if next == nil {
			break
		}
		best = next
	}
	return best
}

// evaluate plans with the knobs ks.
func (p *planner) evaluate(ks []*candidate) *option {
	o := &option{knobs: ks, knobValues: map[int]string{}, moved: map[*Use]*candidate{}, chosen: map[*Use]strategy{}, values: map[string]assignment{}}
	for _, k := range ks {
		o.knobValues[k.id] = p.knobValue(k)
	}
	for _, img := range p.t.Images {
		target := p.targets[img.Ref.String()].Target
		for _, u := range img.Uses {
			var list []strategy
			for _, k := range ks {
				comp, ok := u.knobComps[k.id]
				if !ok {
					continue
				}
				got, err := comp.predict(p.sv.cands, o.knobValues)
				if err == nil && got.String() == target.String() && !p.notKnob[u] {
					o.moved[u] = k
					break
				}
				list = append(list, p.sv.underKnob(u, k, o.knobValues, target)...)
			}
			if o.moved[u] != nil {
				continue
			}
			list = append(list, p.sv.strategies(u, target)...)
			if !p.choose(o, u, list) {
				o.unresolved++
			}
		}
	}
	// A knob that moves nothing is not set.
	kept := ks[:0:0]
	for _, k := range ks {
		if len(o.movedBy(k, p.t)) > 0 {
			kept = append(kept, k)
		}
	}
	o.knobs = kept
	return o
}

// choose takes the first strategy that neither the check refuted nor
// conflicts with values already chosen.
func (p *planner) choose(o *option, u *Use, list []strategy) bool {
next:
	for _, s := range list {
		if p.failed[u][s.key()] {
			continue
		}
		for _, a := range s.set {
			if _, ok := o.knobValues[a.cand.id]; ok {
				continue next
			}
			if prev, ok := o.values[a.cand.path.String()]; ok && prev.pred != a.pred {
				continue next
			}
		}
		for _, a := range s.set {
			o.values[a.cand.path.String()] = a
		}
		o.chosen[u] = s
		return true
	}
	return false
}

// knobValue is the value the knob takes: the value that moves most images
// to their targets, the destination when none does. Under the layout that
// keeps paths that is the destination for a registry, and the destination
// with the path for a knob that holds one (Istio's global.hub:
// docker.io/istio).
func (p *planner) knobValue(k *candidate) string {
	if v, ok := p.knobVals[k.id]; ok {
		return v
	}
	v := p.solveKnob(k)
	p.knobVals[k.id] = v
	return v
}

func (p *planner) solveKnob(k *candidate) string {
	votes := map[string]int{}
	best, n := p.m.String(), 0
	for _, img := range p.t.Images {
		target := p.targets[img.Ref.String()].Target
		for _, u := range img.Uses {
			if comp, ok := u.knobComps[k.id]; ok {
				if v, ok := p.sv.solveFor(comp, k, nil, target); ok {
					votes[v]++
					if votes[v] > n || votes[v] == n && v < best {
						best, n = v, votes[v]
					}
				}
			}
		}
	}
	return best
}

// retry records what the check refuted; it reports whether anything is
// left to try.
func (p *planner) retry(o *option, rep *Report, idx places) bool {
	changed := false
	for _, l := range rep.Leaks {
		for _, origin := range l.Origins {
			for _, u := range idx.at(origin) {
				if u.image.String() != l.Source.String() {
					continue
				}
				if s, ok := o.chosen[u]; ok {
					if p.failed[u] == nil {
						p.failed[u] = map[string]bool{}
					}
					p.failed[u][s.key()] = true
					changed = true
				} else if o.moved[u] != nil && !p.notKnob[u] {
					p.notKnob[u] = true
					changed = true
				}
			}
		}
	}
	return changed
}
