package overrides

import (
	"slices"
	"strings"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// assignment gives a candidate a value.
type assignment struct {
	cand  *candidate
	value any    // what goes into the values
	pred  string // what stands for the marker in a prediction
}

// strategy is one way to move the image at one place: values to set,
// predicted to make the chart render the target there.
type strategy struct {
	rank int // lower is better
	set  []assignment
}

// key identifies a strategy among the alternatives of a use.
func (s strategy) key() string {
	var b strings.Builder
	for _, a := range s.set {
		b.WriteString(a.cand.path.String())
		b.WriteByte('=')
		b.WriteString(a.pred)
		b.WriteByte(';')
	}
	return b.String()
}

// Strategy ranks, best first.
const (
	rankReference   = iota // a whole reference in one string
	rankRegistry           // a registry key set to the destination
	rankRepository         // a repository (with the host in it, or after a knob)
	rankBoth               // a registry key and a repository
	rankOddRegistry        // a registry key set to more than the destination
	rankSlot               // an empty image value filled in
)

// solver finds strategies for the uses of a trace.
type solver struct {
	cands map[int]*candidate
	dest  string // the mapping's REGISTRY[/PREFIX]
}

// solveFor returns the value x must take for comp to give target, the
// other candidates keeping the values in set or their original values.
func (sv *solver) solveFor(comp composition, x *candidate, set map[int]string, target reference.Reference) (string, bool) {
	s, err := comp.substitute(sv.cands, set, x.id)
	if err != nil {
		return "", false
	}
	name, _ := written(s)
	marker := x.marker()
	if x.role == Slot {
		marker = hostOf(x.id) + "/slot"
	}
	i := strings.Index(name, marker)
	if i < 0 {
		return "", false
	}
	before, after := name[:i], name[i+len(marker):]
	want := target.Name()
	if len(before)+len(after) >= len(want) || !strings.HasPrefix(want, before) || !strings.HasSuffix(want, after) {
		return "", false
	}
	return want[len(before) : len(want)-len(after)], true
}

// check keeps a strategy whose prediction gives target.
func (sv *solver) check(comp composition, target reference.Reference, rank int, set ...assignment) (strategy, bool) {
	vals := map[int]string{}
	for _, a := range set {
		vals[a.cand.id] = a.pred
	}
	got, err := comp.predict(sv.cands, vals)
	if err != nil || got.String() != target.String() {
		return strategy{}, false
	}
	return strategy{rank: rank, set: set}, true
}

// strategies lists the ways to move the image at u to target through its
// own values paths, best first.
func (sv *solver) strategies(u *Use, target reference.Reference) []strategy {
	var out []strategy
	add := func(s strategy, ok bool) {
		if ok && !slices.ContainsFunc(out, func(o strategy) bool { return o.key() == s.key() }) {
			out = append(out, s)
		}
	}
	for _, comp := range u.comps {
		ids := markersIn(string(comp))
		var regs, repos []*candidate
		for _, id := range dedupe(ids) {
			c := sv.cands[id]
			if c == nil {
				continue
			}
			switch c.role {
			case Reference:
				if v, ok := sv.solveFor(comp, c, nil, target); ok {
					_, suffix := written(c.orig)
					add(sv.check(comp, target, rankReference, assignment{c, v + suffix, v}))
				}
			case Registry:
				regs = append(regs, c)
			case Repository:
				repos = append(repos, c)
			case Slot:
				for _, s := range sv.slot(comp, c, target) {
					add(s, true)
				}
			}
		}
		for _, r := range regs {
			if v, ok := sv.solveFor(comp, r, nil, target); ok {
				rank := rankRegistry
				if v != sv.dest {
					rank = rankOddRegistry
				}
				add(sv.check(comp, target, rank, assignment{r, v, v}))
			}
		}
		for _, p := range repos {
			if v, ok := sv.solveFor(comp, p, nil, target); ok {
				add(sv.check(comp, target, rankRepository, assignment{p, v, v}))
			}
			for _, r := range regs {
				fixed := map[int]string{r.id: sv.dest}
				if v, ok := sv.solveFor(comp, p, fixed, target); ok {
					add(sv.check(comp, target, rankBoth, assignment{r, sv.dest, sv.dest}, assignment{p, v, v}))
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b strategy) int { return a.rank - b.rank })
	return out
}

// slot fills an empty image value: a string slot gets the whole target, an
// object slot the destination as registry, the rest of the path as
// repository and the target's tag (and digest when it has the key).
func (sv *solver) slot(comp composition, c *candidate, target reference.Reference) []strategy {
	if c.shape == nil {
		var out []strategy
		full := target.Name()
		if !target.TagImplied {
			full += ":" + target.Tag
		}
		if target.Digest != "" {
			full += "@" + target.Digest
		}
		for _, v := range []string{target.Name(), full} {
			if s, ok := sv.check(comp, target, rankSlot, assignment{c, v, v}); ok {
				out = append(out, s)
			}
		}
		return out
	}
	regKey, repoKey := "", ""
	obj := map[string]any{}
	for _, k := range c.shape {
		switch k {
		case "registry":
			regKey = k
		case "repository", "image", "name":
			if repoKey == "" {
				repoKey = k
			}
		case "tag":
			obj[k] = target.Tag
		case "digest", "sha":
			if target.Digest != "" {
				obj[k] = target.Digest
				if k == "sha" {
					obj[k] = strings.TrimPrefix(target.Digest, "sha256:")
				}
			}
		}
	}
	if repoKey == "" {
		return nil
	}
	registry := ""
	want := target.Name()
	if regKey != "" {
		registry = sv.dest
		if !strings.HasPrefix(want, registry+"/") {
			return nil
		}
		obj[regKey] = registry
	}
	repo := strings.TrimPrefix(want, registry+"/")
	obj[repoKey] = repo
	pred := registry + "|" + repo + "|" + target.Tag
	if s, ok := sv.check(comp, target, rankSlot, assignment{c, obj, pred}); ok {
		return []strategy{s}
	}
	return nil
}

// underKnob lists the ways to correct the image at u when a knob reaches
// it but does not give the target: a repository or reference of the image,
// found as written in the knob's render, set so that the knob's output
// becomes the target (Docker Hub's library/ images, most often).
func (sv *solver) underKnob(u *Use, knob *candidate, knobValues map[int]string, target reference.Reference) []strategy {
	comp, ok := u.knobComps[knob.id]
	if !ok {
		return nil
	}
	s, err := comp.substitute(sv.cands, knobValues, 0)
	if err != nil {
		return nil
	}
	name, _ := written(s)
	want := target.Name()
	var out []strategy
	for _, ctl := range u.Controls {
		c := sv.cands[ctl.id]
		if c == nil || c.role != Repository && c.role != Reference {
			continue
		}
		orig, suffix := c.orig, ""
		if c.role == Reference {
			orig, suffix = written(c.orig)
		}
		i := strings.LastIndex(name, orig)
		if orig == "" || i < 0 {
			continue
		}
		before, after := name[:i], name[i+len(orig):]
		if len(before)+len(after) >= len(want) || !strings.HasPrefix(want, before) || !strings.HasSuffix(want, after) {
			continue
		}
		v := want[len(before) : len(want)-len(after)]
		out = append(out, strategy{rank: rankRepository, set: []assignment{{c, v + suffix, v}}})
	}
	return out
}
