package overrides

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// Traced says, for every image a chart renders with the user's values, which
// values paths control it.
type Traced struct {
	// Chart and Version name the chart.
	Chart, Version string
	// Images are the images of the chart rendered with the user's values,
	// sorted by reference, each with the places it is rendered at.
	Images []Image
	// Knobs are the chart-wide registry settings found in the values, with
	// the places whose image each one moves.
	Knobs []Control
	// Settings are values every relocated render needs (bitnami's
	// global.security.allowInsecureImages).
	Settings []Setting
	// Skipped are candidates left out of the trace because a template
	// rejected their sentinel value.
	Skipped []Control
	// Warnings are the values that stand where an image belongs but do not
	// parse, in the render with the user's values.
	Warnings []discover.Warning
	// Renders counts the renders the trace took.
	Renders int

	cands map[int]*candidate
	knobs []*candidate
}

// Image is one image the chart renders and the places it is rendered at.
type Image struct {
	Ref  reference.Reference
	Uses []*Use
}

// TemplateOnly reports whether no values path moves the image anywhere.
func (i Image) TemplateOnly() bool {
	for _, u := range i.Uses {
		if !u.TemplateOnly() {
			return false
		}
	}
	return true
}

// Use is one place an image is rendered at, and what controls it there.
type Use struct {
	// Origin is the object, field path and template file.
	Origin discover.Origin
	// Controls are the values paths whose sentinel reached this place,
	// sorted by path.
	Controls []Control
	// Knobs are the chart-wide knobs whose sentinel reached this place.
	Knobs []Path
	// Pinned are values paths set by the user's --set style flags whose
	// value names this image (its registry, repository or whole
	// reference): no values file can change them (Chart.Pinned).
	Pinned []Control

	image     reference.Reference
	comps     []composition
	knobComps map[int]composition
	untraced  bool // found by a check without a trace: nothing is known
}

// TemplateOnly reports whether neither a knob nor a values path sets the
// registry or repository of the image at this place. It is false for
// places a trace has not looked at.
func (u *Use) TemplateOnly() bool {
	if u.untraced || len(u.Knobs) > 0 || len(u.Pinned) > 0 {
		return false
	}
	for _, c := range u.Controls {
		if c.Role != Tag {
			return false
		}
	}
	return true
}

// Control is a values path that controls an image.
type Control struct {
	Path Path
	Role Role
	// Value is the value the chart sees ("" when empty or unset).
	Value string
	id    int
}

// Setting is a value a relocated render needs.
type Setting struct {
	Path  Path
	Value any
	Note  string
}

// TraceOptions tune Trace.
type TraceOptions struct {
	// Concurrency bounds the renders run at once; 0 means GOMAXPROCS.
	Concurrency int
}

// Trace renders the chart with the user's values, finds the values of the
// chart and its subcharts that may control an image (by their text, their
// key hinting at the shape), and confirms which of them control which image
// by rendering with sentinel values: one render for all per-image
// candidates, one for the empty image slots (which replace computed
// images), one for the chart-wide ones and one more for those left empty in
// a chart's own values (which fall back to global ones), run concurrently. A sentinel
// render that fails (a template validating a value) is split in halves
// until the offending candidates are found, which are then Skipped.
//
// Errors: ErrNoRender, *RenderError and *SyntaxError for the render with
// the user's values, or the context's error.
func Trace(ctx context.Context, c Chart, opts TraceOptions) (*Traced, error) {
	if c.Render == nil {
		return nil, ErrNoRender
	}
	r := newRenderer(c.Render, c.Values, opts.Concurrency)
	base, err := r.scan(ctx, nil)
	if err != nil {
		return nil, wrapRender(ctx, StageBaseline, err)
	}
	t := &Traced{Chart: c.Name, Version: c.Version, Warnings: base.Warnings, cands: map[int]*candidate{}}
	var refs []reference.Reference
	for _, img := range base.Images {
		refs = append(refs, img.Ref)
		ti := Image{Ref: img.Ref}
		for _, o := range img.Origins {
			ti.Uses = append(ti.Uses, &Use{Origin: o, image: img.Ref, knobComps: map[int]composition{}})
		}
		t.Images = append(t.Images, ti)
	}
	index := newPlaces(t)
	perImage, knobs := collect(c, refs)
	id := 0
	for _, cand := range append(slices.Clone(perImage), knobs...) {
		id++
		cand.id = id
		t.cands[id] = cand
	}
	t.knobs = knobs
	t.Settings = settings(c)

	var plain, slots []*candidate
	for _, cand := range perImage {
		if cand.role == Slot {
			slots = append(slots, cand)
		} else {
			plain = append(plain, cand)
		}
	}
	runs := []func() ([]*discover.Result, []*candidate){
		func() ([]*discover.Result, []*candidate) { return r.bisect(ctx, plain, t.Settings) },
		func() ([]*discover.Result, []*candidate) { return r.bisect(ctx, slots, t.Settings) },
	}
	for _, group := range knobGroups(knobs) {
		runs = append(runs, func() ([]*discover.Result, []*candidate) { return r.bisect(ctx, group, t.Settings) })
	}
	results := make([][]*discover.Result, len(runs))
	skipped := make([][]*candidate, len(runs))
	parallel(len(runs), func(i int) { results[i], skipped[i] = runs[i]() })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range runs {
		for _, res := range results[i] {
			t.decode(res, index)
		}
		for _, cand := range skipped[i] {
			t.Skipped = append(t.Skipped, cand.control())
		}
	}
	for _, k := range knobs {
		t.Knobs = append(t.Knobs, k.control())
	}
	t.Renders = r.count()
	t.finish()
	t.pin(c.Pinned, perImage)
	return t, nil
}

// pin records, on every use, the candidates the user's flags fix whose
// value names the image there.
func (t *Traced) pin(pinned map[string]any, cands []*candidate) {
	var fixed []*candidate
	for _, c := range cands {
		if c.role != Tag && c.orig != "" && setIn(pinned, c.path) {
			fixed = append(fixed, c)
		}
	}
	if len(fixed) == 0 {
		return
	}
	for _, img := range t.Images {
		for _, u := range img.Uses {
			for _, c := range fixed {
				if namesImage(c, u.image) {
					u.Pinned = append(u.Pinned, c.control())
				}
			}
		}
	}
}

// setIn reports whether values sets p, or a value above it that replaces
// it (a string where p expects an object).
func setIn(values map[string]any, p Path) bool {
	for n := 1; n <= len(p); n++ {
		v, ok := lookup(values, p[:n])
		if !ok {
			return false
		}
		switch v.(type) {
		case map[string]any, []any:
		default:
			if n < len(p) {
				return true // a scalar above p replaces it
			}
		}
	}
	return len(p) > 0
}

// namesImage reports whether the value of c names ref's registry, repository
// or whole reference.
func namesImage(c *candidate, ref reference.Reference) bool {
	full := ref.Registry + "/" + ref.Repository
	switch c.role {
	case Registry:
		return c.orig == ref.Registry || strings.HasPrefix(full, strings.TrimSuffix(c.orig, "/")+"/")
	case Repository:
		repo := strings.Trim(c.orig, "/")
		return full == repo || strings.HasSuffix(full, "/"+repo)
	case Reference:
		got, err := reference.Parse(c.orig)
		return err == nil && got.String() == ref.String()
	}
	return false
}

// decode reads the markers of a sentinel render back into the uses.
func (t *Traced) decode(res *discover.Result, index places) {
	for _, img := range res.Images {
		var ids, knobIDs []int
		all := markersIn(img.Ref.String())
		for _, id := range all {
			if c := t.cands[id]; c != nil && c.knob {
				knobIDs = append(knobIDs, id)
			} else {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 && len(knobIDs) == 0 {
			continue
		}
		comps := compose(img.Ref)
		for _, o := range img.Origins {
			u := t.match(index.at(o), comps)
			if u == nil {
				u = t.defaultSetBy(o)
			}
			if u == nil {
				continue
			}
			for _, id := range ids {
				if c := t.cands[id]; c != nil && !u.has(id) {
					u.Controls = append(u.Controls, c.control())
				}
			}
			for _, comp := range comps {
				if len(ids) > 0 && !slices.Contains(u.comps, comp) {
					u.comps = append(u.comps, comp)
				}
			}
			for _, id := range knobIDs {
				if c := t.cands[id]; c != nil {
					u.knobComps[id] = comps[0]
				}
			}
		}
	}
}

// defaultSetBy returns the use of an image an operator pulls by default
// that the setting at o replaces: o is the value of that setting (a flag or
// an env variable the render added to the operator's container), found
// where the render without it had none.
func (t *Traced) defaultSetBy(o discover.Origin) *Use {
	for _, img := range t.Images {
		for _, u := range img.Uses {
			d := u.Origin
			if d.Form != discover.OperatorDefault || d.Setting.IsZero() || d.File != o.File || d.Kind != o.Kind ||
				d.Namespace != o.Namespace || d.Name != o.Name || !strings.HasPrefix(o.Path, d.Path+".") {
				continue
			}
			if o.Via == d.Setting.String() {
				return u
			}
		}
	}
	return nil
}

// match picks the use a rendered image at one origin stands for: the only
// one, or the one whose image the composition gives back with the original
// values.
func (t *Traced) match(uses []*Use, comps []composition) *Use {
	if len(uses) == 1 {
		return uses[0]
	}
	for _, u := range uses {
		for _, comp := range comps {
			if got, err := comp.predict(t.cands, nil); err == nil && got.String() == u.image.String() {
				return u
			}
		}
	}
	return nil
}

func (u *Use) has(id int) bool {
	for _, c := range u.Controls {
		if c.id == id {
			return true
		}
	}
	return false
}

// finish sorts controls and fills the knobs of each use.
func (t *Traced) finish() {
	for _, img := range t.Images {
		for _, u := range img.Uses {
			sort.Slice(u.Controls, func(i, j int) bool { return u.Controls[i].Path.String() < u.Controls[j].Path.String() })
			for _, k := range t.knobs {
				if _, ok := u.knobComps[k.id]; ok {
					u.Knobs = append(u.Knobs, k.path)
				}
			}
		}
	}
}

func (c *candidate) control() Control {
	role := c.role
	if c.knob {
		role = Knob
	}
	return Control{Path: c.path, Role: role, Value: c.orig, id: c.id}
}

// knobGroups splits the chart-wide candidates into the renders that trace
// them. A value left empty in a chart's own values usually falls back to
// one under global (Istio's hub to global.hub): rendered together, its
// sentinel would hide the global one, so the empty ones of the charts' own
// values get a render of their own; every other knob shares one render
// (where a global value wins over a chart's own, as bitnami's
// global.imageRegistry over imageRegistry, the global one moves the image
// anyway).
func knobGroups(knobs []*candidate) [][]*candidate {
	var shared, empty []*candidate
	for _, k := range knobs {
		if k.path[0] != Key("global") && k.orig == "" {
			empty = append(empty, k)
		} else {
			shared = append(shared, k)
		}
	}
	var out [][]*candidate
	for _, g := range [][]*candidate{shared, empty} {
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	return out
}
