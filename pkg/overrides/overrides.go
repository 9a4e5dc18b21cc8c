package overrides

import (
	"slices"
	"strings"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// EntryKind says why a value is in the overrides.
type EntryKind int

const (
	// KnobEntry is a chart-wide setting: a registry, or a repository with
	// its registry, that several images fall back to.
	KnobEntry EntryKind = iota + 1
	// ImageEntry moves the images of one values path.
	ImageEntry
	// SettingEntry is a setting relocated images need.
	SettingEntry
	// PullSecretEntry adds the pull secret.
	PullSecretEntry
)

// Entry is one value of the overrides.
type Entry struct {
	Path  Path
	Value any
	Kind  EntryKind
	// Role is the role of the values path (ImageEntry and KnobEntry).
	Role Role
	// Moves are the images this value moves, source -> target, sorted.
	Moves []reference.Pair
	// Note explains settings and pull secrets, and what else a knob moves.
	Note string
	// Places counts the places a knob moves an image at.
	Places int
}

// Overrides are values that point the unmodified chart at the mirror.
type Overrides struct {
	// Chart, Version and Mapping say what the overrides are for.
	Chart, Version string
	Mapping        reference.Mapping
	// Entries are the values to set, sorted by path.
	Entries []Entry
	// Knob is the chart-wide knob that moves images at the most places,
	// nil when none is used; Entries has every knob (KnobEntry).
	Knob Path
	// Check is the check of the chart rendered with the overrides.
	Check *Report
	// Renders counts the renders Plan took (the trace's not included).
	Renders int

	base map[string]any
}

// Values returns the overrides as a values tree, as the YAML document
// holds them. A path through a list carries the whole list (Helm replaces
// lists), taken from the chart's values.
func (o *Overrides) Values() map[string]any {
	out := map[string]any{}
	for _, e := range o.Entries {
		_ = assign(out, o.base, e.Path, deepCopy(e.Value))
	}
	return out
}

// overrides turns an option into entries.
func (p *planner) overrides(o *option, extras []Setting, c Chart) *Overrides {
	out := &Overrides{Chart: p.t.Chart, Version: p.t.Version, Mapping: p.m, base: c.Values}
	for _, s := range extras {
		kind := SettingEntry
		if strings.HasSuffix(s.Path.Last(), "ullSecrets") {
			kind = PullSecretEntry
		}
		out.Entries = append(out.Entries, Entry{Path: s.Path, Value: s.Value, Kind: kind, Note: s.Note})
	}
	pair := func(u *Use) reference.Pair { return p.targets[u.image.String()] }
	most := 0
	for _, k := range o.knobs {
		e := Entry{Path: k.path, Value: o.knobValues[k.id], Kind: KnobEntry, Role: Knob, Note: operatorConfigNote(c.Values, k.path)}
		uses := o.movedBy(k, p.t)
		e.Places = len(uses)
		for _, u := range uses {
			e.Moves = addPair(e.Moves, pair(u))
		}
		if len(uses) > most {
			out.Knob, most = k.path, len(uses)
		}
		out.Entries = append(out.Entries, e)
	}
	byPath := map[string]*Entry{}
	for _, img := range p.t.Images {
		for _, u := range img.Uses {
			s, ok := o.chosen[u]
			if !ok {
				continue
			}
			for _, a := range s.set {
				key := a.cand.path.String()
				e, ok := byPath[key]
				if !ok {
					e = &Entry{Path: a.cand.path, Value: a.value, Kind: ImageEntry, Role: a.cand.role}
					byPath[key] = e
				}
				e.Moves = addPair(e.Moves, pair(u))
			}
		}
	}
	for _, e := range byPath {
		out.Entries = append(out.Entries, *e)
	}
	slices.SortFunc(out.Entries, func(a, b Entry) int { return strings.Compare(a.Path.String(), b.Path.String()) })
	return out
}

func addPair(ps []reference.Pair, p reference.Pair) []reference.Pair {
	if slices.ContainsFunc(ps, func(q reference.Pair) bool { return q.Source.String() == p.Source.String() }) {
		return ps
	}
	ps = append(ps, p)
	sortPairs(ps)
	return ps
}

// operatorConfigNote says, for a registry knob of an operator's image
// configuration given as chart values (cass-operator's ImageConfig under
// global.imageConfig: images, defaults, overrides, types), that the images
// the operator derives later follow it; "" for any other path.
func operatorConfigNote(values map[string]any, p Path) string {
	if len(p) < 3 || p.Last() != "registry" || p[len(p)-2] != Key("defaults") && p[len(p)-2] != Key("overrides") {
		return ""
	}
	v, _ := lookup(values, p[:len(p)-2])
	cfg := asMap(v)
	if cfg == nil || cfg["images"] == nil && cfg["types"] == nil {
		return ""
	}
	return "the operator's image configuration: the images it derives later (server images of versions not yet deployed) come from this registry too"
}
