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
		t:       t,
		m:       m,
		sv:      &solver{cands: t.cands, dest: m.String()},
		targets: targets,
		failed:  map[*Use]map[string]bool{},
		notKnob: map[*Use]bool{},
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
	return o, nil
}

// planner holds what Plan has learnt between rounds.
type planner struct {
	t       *Traced
	m       reference.Mapping
	sv      *solver
	targets map[string]reference.Pair
	failed  map[*Use]map[string]bool // strategies the check refuted
	notKnob map[*Use]bool            // uses the knob did not move as predicted
}

// option is a plan with or without one knob.
type option struct {
	knob       *candidate
	knobValue  string
	moved      []*Use // by the knob
	chosen     map[*Use]strategy
	values     map[string]assignment // by path
	unresolved int
}

func (o *option) cost() (int, int) {
	n := len(o.values)
	if o.knob != nil {
		n++
	}
	return o.unresolved, n
}

// best evaluates every knob and no knob, and returns the option with the
// fewest images left where they are, then the fewest values, a knob
// winning ties.
func (p *planner) best() *option {
	var best *option
	for _, k := range append([]*candidate{nil}, p.t.knobs...) {
		o := p.evaluate(k)
		if k != nil && len(o.moved) == 0 {
			continue
		}
		if best == nil {
			best = o
			continue
		}
		u1, n1 := o.cost()
		u2, n2 := best.cost()
		if u1 < u2 || u1 == u2 && (n1 < n2 || n1 == n2 && best.knob == nil) {
			best = o
		}
	}
	return best
}

// evaluate plans with knob k (nil: none).
func (p *planner) evaluate(k *candidate) *option {
	o := &option{knob: k, chosen: map[*Use]strategy{}, values: map[string]assignment{}}
	if k != nil {
		o.knobValue = p.knobValue(k)
	}
	for _, img := range p.t.Images {
		target := p.targets[img.Ref.String()].Target
		for _, u := range img.Uses {
			var list []strategy
			if comp, ok := u.knobComps[kid(k)]; k != nil && ok {
				got, err := comp.predict(p.sv.cands, map[int]string{k.id: o.knobValue})
				if err == nil && got.String() == target.String() && !p.notKnob[u] {
					o.moved = append(o.moved, u)
					continue
				}
				list = p.sv.underKnob(u, k, o.knobValue, target)
			}
			list = append(list, p.sv.strategies(u, target)...)
			if !p.choose(o, u, list) {
				o.unresolved++
			}
		}
	}
	return o
}

func kid(k *candidate) int {
	if k == nil {
		return -1
	}
	return k.id
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
			if o.knob != nil && a.cand.path.String() == o.knob.path.String() {
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
				} else if slices.Contains(o.moved, u) && !p.notKnob[u] {
					p.notKnob[u] = true
					changed = true
				}
			}
		}
	}
	return changed
}
