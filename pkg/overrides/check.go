package overrides

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// Report is the result of a check: the chart rendered with the user's
// values and the overrides, compared with the images it renders with the
// user's values alone.
type Report struct {
	// Moved are the images rendered with the overrides that are the target
	// of an original image, with the original.
	Moved []reference.Pair
	// Leaks are rendered images that are not where the mapping sends the
	// image rendered at the same place without the overrides.
	Leaks []Leak
	// Missing are original images whose target is rendered nowhere, other
	// than those of Leaks: the overrides changed more than where images
	// come from.
	Missing []reference.Pair
	// Warnings are values that stand where an image belongs but do not
	// parse, in the render with the overrides.
	Warnings []discover.Warning
}

// OK reports whether every rendered image is the target of an original
// image, one to one.
func (r *Report) OK() bool { return len(r.Leaks) == 0 && len(r.Missing) == 0 }

// TemplateOnly returns the leaks of images that no values path controls.
func (r *Report) TemplateOnly() []Leak {
	var out []Leak
	for _, l := range r.Leaks {
		if l.TemplateOnly {
			out = append(out, l)
		}
	}
	return out
}

// Leak is an image rendered with the overrides that is not where it should
// come from.
type Leak struct {
	// Image is the image as rendered with the overrides; zero when what is
	// rendered does not parse (Value and Message say what it is).
	Image reference.Reference
	// Value and Message are set for a value that stands where an image
	// belongs but does not parse.
	Value, Message string
	// Source is the image rendered at the same place with the user's values
	// alone, and Want where the mapping sends it; both are zero when the
	// place is new.
	Source, Want reference.Reference
	// Origins are the places (object, field path, template file).
	Origins []discover.Origin
	// TemplateOnly reports that no values path controls the image at these
	// places: it is set in the templates (`airlift postrender` can rewrite
	// it).
	TemplateOnly bool
	// PinnedBy are the user's own --set style flags that fix the image
	// (Chart.Pinned): Helm applies them after every values file.
	PinnedBy []Path
	// Default is set for an image an operator pulls by default (compiled
	// in, written in no manifest): the operator setting that moves it,
	// which `airlift postrender` adds ("env POSTGRES_IMAGE_NAME"), or "" when
	// none does (the origin's Via says what does).
	Default string
	// OperatorDefault reports an image an operator pulls by default.
	OperatorDefault bool
}

// pinnedBy is the --set paths that fix u's image, in order, unique.
func pinnedBy(u *Use) []Path {
	var out []Path
	for _, c := range u.Pinned {
		if !slices.ContainsFunc(out, func(p Path) bool { return p.String() == c.Path.String() }) {
			out = append(out, c.Path)
		}
	}
	return out
}

// pinnedText says which flags pin a leak, or "".
func (l Leak) pinnedText() string {
	if len(l.PinnedBy) == 0 {
		return ""
	}
	paths := make([]string, len(l.PinnedBy))
	for i, p := range l.PinnedBy {
		paths[i] = p.String()
	}
	return "pinned by your own --set of " + strings.Join(paths, ", ") + " (flags beat every values file: set it to the mirror, or drop it)"
}

// String formats the leak on one line.
func (l Leak) String() string {
	var b strings.Builder
	if l.Image.IsZero() {
		fmt.Fprintf(&b, "%q (%s)", l.Value, l.Message)
	} else {
		b.WriteString(l.Image.String())
	}
	if !l.Want.IsZero() {
		b.WriteString(" (want " + l.Want.String() + ")")
	}
	for i, o := range l.Origins {
		if i == 0 {
			b.WriteString(" at ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(o.String())
	}
	switch {
	case len(l.PinnedBy) > 0:
		b.WriteString(" [" + l.pinnedText() + "]")
	case l.OperatorDefault && l.Default != "":
		b.WriteString(" [operator default: airlift postrender sets " + l.Default + " on the operator]")
	case l.OperatorDefault:
		b.WriteString(" [operator default that no operator setting moves: set the resource's own image field]")
	case l.TemplateOnly:
		b.WriteString(" [set in the template only]")
	}
	return b.String()
}

// defaultLeak marks a leak of an image an operator pulls by default.
func defaultLeak(l *Leak, o discover.Origin) {
	if o.Form != discover.OperatorDefault {
		return
	}
	l.OperatorDefault = true
	l.Default = o.Setting.String()
	l.TemplateOnly = l.TemplateOnly && !o.Setting.IsZero()
}

// Check renders the chart with the user's values and values layered over
// them (the overrides, or a file written by hand) and checks that every
// image is mapping.Map of the image rendered at the same place with the
// user's values alone, and that every original image still renders. t may
// be nil: the chart is then also rendered without values to know the
// original images, and leaks are not told apart as template-only.
//
// Errors: ErrNoRender, *RenderError, *SyntaxError, a reference.Collisions
// when two original images map to one target, or the context's error.
func Check(ctx context.Context, c Chart, values map[string]any, m reference.Mapping, t *Traced) (*Report, error) {
	if c.Render == nil {
		return nil, ErrNoRender
	}
	r := newRenderer(c.Render, c.Values, 1)
	if t == nil {
		base, err := r.scan(ctx, nil)
		if err != nil {
			return nil, wrapRender(ctx, StageBaseline, err)
		}
		t = baselineTrace(base)
	}
	targets, err := targetsOf(t, m)
	if err != nil {
		return nil, err
	}
	res, err := r.scan(ctx, values)
	if err != nil {
		return nil, wrapRender(ctx, StageOverrides, err)
	}
	return t.compare(res, targets), nil
}

// baselineTrace is a trace with images and places only.
func baselineTrace(base *discover.Result) *Traced {
	t := &Traced{Warnings: base.Warnings}
	for _, img := range base.Images {
		ti := Image{Ref: img.Ref}
		for _, o := range img.Origins {
			ti.Uses = append(ti.Uses, &Use{Origin: o, image: img.Ref, untraced: true})
		}
		t.Images = append(t.Images, ti)
	}
	return t
}

// targetsOf maps every original image, refusing collisions.
func targetsOf(t *Traced, m reference.Mapping) (map[string]reference.Pair, error) {
	refs := make([]reference.Reference, len(t.Images))
	for i, img := range t.Images {
		refs[i] = img.Ref
	}
	pairs, err := m.MapAll(refs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]reference.Pair, len(pairs))
	for _, p := range pairs {
		out[p.Source.String()] = p
	}
	return out, nil
}

// compare checks a render with overrides against the trace.
func (t *Traced) compare(res *discover.Result, targets map[string]reference.Pair) *Report {
	rep := &Report{Warnings: res.Warnings}
	idx := newPlaces(t)
	want := map[string]reference.Pair{}
	for _, p := range targets {
		want[p.Target.String()] = p
	}
	seen := map[string]bool{}
	leaks := map[string]*Leak{}
	var order []string
	for _, img := range res.Images {
		got := img.Ref.String()
		for _, o := range img.Origins {
			src := sourceAt(idx.at(o), got, targets)
			var wantRef reference.Reference
			if src != nil {
				wantRef = targets[src.image.String()].Target
			}
			if _, known := want[got]; src != nil && wantRef.String() == got || src == nil && known {
				seen[got] = true
				continue
			}
			l := Leak{Image: img.Ref}
			if src != nil {
				l.Source, l.Want, l.TemplateOnly, l.PinnedBy = src.image, wantRef, src.TemplateOnly(), pinnedBy(src)
			}
			defaultLeak(&l, o)
			key := got + "\x00" + l.Source.String()
			if prev, ok := leaks[key]; ok {
				prev.Origins = append(prev.Origins, o)
				prev.TemplateOnly = prev.TemplateOnly && l.TemplateOnly
				if len(prev.PinnedBy) == 0 {
					prev.PinnedBy = l.PinnedBy
				}
				continue
			}
			l.Origins = []discover.Origin{o}
			leaks[key] = &l
			order = append(order, key)
		}
	}
	// A warning is never followed by "all moved": what discovery could not
	// read may point anywhere.
	for _, w := range res.Warnings {
		l := Leak{Value: w.Value, Message: w.Message, Origins: []discover.Origin{w.Origin}}
		if uses := idx.at(w.Origin); len(uses) > 0 {
			src := uses[0]
			l.Source, l.Want, l.TemplateOnly, l.PinnedBy = src.image, targets[src.image.String()].Target, src.TemplateOnly(), pinnedBy(src)
		}
		key := "\x01" + w.Value + "\x00" + l.Source.String()
		if prev, ok := leaks[key]; ok {
			prev.Origins = append(prev.Origins, w.Origin)
			continue
		}
		leaks[key] = &l
		order = append(order, key)
	}
	slices.Sort(order)
	for _, k := range order {
		rep.Leaks = append(rep.Leaks, *leaks[k])
	}
	leaked := map[string]bool{}
	for _, l := range rep.Leaks {
		leaked[l.Source.String()] = true
	}
	for tgt, p := range want {
		switch {
		case seen[tgt]:
			rep.Moved = append(rep.Moved, p)
		case !leaked[p.Source.String()]:
			rep.Missing = append(rep.Missing, p)
		}
	}
	sortPairs(rep.Moved)
	sortPairs(rep.Missing)
	return rep
}

// sourceAt picks, among the uses at one place, the one the image got
// rendered there stands for: the one whose target it is, else the one it
// still is (not moved), else any.
func sourceAt(uses []*Use, got string, targets map[string]reference.Pair) *Use {
	var src *Use
	for _, u := range uses {
		if targets[u.image.String()].Target.String() == got {
			return u
		}
		if src == nil || u.image.String() == got {
			src = u
		}
	}
	return src
}

func sortPairs(ps []reference.Pair) {
	slices.SortFunc(ps, func(a, b reference.Pair) int { return strings.Compare(a.Source.String(), b.Source.String()) })
}
