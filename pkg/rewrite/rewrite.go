package rewrite

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// Change is one image reference Rewrite changed, or left alone and why.
type Change struct {
	Origin   discover.Origin
	From, To reference.Reference
	// Line is the line of the stream the reference is on.
	Line int
	// Skipped says why the reference was not rewritten; "" when it was.
	Skipped string
	// Inserted counts the lines added: for an image the operator pulls by
	// default, the setting that points it at To, added to the operator's
	// container (several defaults of one container count once); for an
	// ImageConfig, its registry settings (counted on its first change), or
	// the registry of a v1beta2 image that had none.
	Inserted int
	// Knob is, for an image a cass-operator ImageConfig names or derives,
	// the ImageConfig setting that moved it ("ImageConfig imageRegistry:
	// \"mirror\""); the server images the operator derives from a
	// serverVersion later follow it too. "" otherwise.
	Knob string
}

// VersionMap reports whether the change moved an image chosen by a
// version: derived from a serverVersion through an ImageConfig setting, or
// an entry of a version map rewritten in place. Either way the mapping
// from versions to images keeps working; no image is pinned.
func (c Change) VersionMap() bool {
	if c.Skipped != "" {
		return false
	}
	if c.Knob != "" {
		return c.Origin.Form == discover.Derived || c.Origin.Version != ""
	}
	return c.Origin.Version != ""
}

// String formats the change on one line: "line 12: a -> b at path" or
// "line 12: a left alone: reason".
func (c Change) String() string {
	at := c.Origin.String()
	if c.Skipped != "" {
		return fmt.Sprintf("line %d: %s left alone at %s: %s", c.Line, c.From, at, c.Skipped)
	}
	if c.Knob != "" {
		follow := ""
		if c.VersionMap() {
			follow = "; the version mapping keeps working: server images derived from serverVersion follow"
		}
		return fmt.Sprintf("line %d: %s -> %s at %s, by %s%s", c.Line, c.From, c.To, at, c.Knob, follow)
	}
	if c.VersionMap() {
		return fmt.Sprintf("line %d: %s -> %s at %s, version map entry rewritten: the map keeps choosing by version", c.Line, c.From, c.To, at)
	}
	if c.Origin.Form == discover.OperatorDefault {
		return fmt.Sprintf("line %d: %s -> %s at %s, by a setting added to the operator", c.Line, c.From, c.To, at)
	}
	return fmt.Sprintf("line %d: %s -> %s at %s", c.Line, c.From, c.To, at)
}

// Rewrite rewrites every image reference of a manifest stream to
// mapping.Map of itself, at the places pkg/discover finds them: container
// images, image-named fields, image objects and image volumes, references
// in args, command, env values and ConfigMap data (embedded documents
// included). Only the references change: everything else is kept byte for
// byte, each reference keeps the form it was written in (a tag or digest
// written stays, an implied "latest" stays implied). References already
// under the destination are left alone, so that rewriting twice changes
// nothing.
//
// Images an operator pulls by default (package catalog) are written
// nowhere: the operator setting that replaces the default (an env variable,
// or a flag) is added to its container, pointing at the target; those lines
// are the only ones added (Change.Inserted counts them).
//
// A cass-operator ImageConfig moves by its own registry settings where
// they express the mapping (v1beta1 imageRegistry, with imageNamespace and
// the per-component registries; v1beta2 overrides.registry and
// overrides.repository): then the server images cass-operator derives
// from a datacenter's serverVersion follow the mirror, for versions the
// manifests never named too, and Change.Knob names the settings. They are
// kept only when scanning the result again finds every image the
// ImageConfig names or derives at its target; otherwise its images are
// rewritten where they are written, and those it derives or overrides come
// back as Changes with Skipped set, as do defaults no setting of the
// operator moves. Changes come in the order of the stream. Documents that
// are not YAML are an error (a join of *discover.SyntaxError) and nothing
// is returned.
func Rewrite(manifest []byte, m reference.Mapping) ([]byte, []Change, error) {
	res, err := discover.Scan(manifest, "")
	if err != nil {
		return nil, nil, err
	}
	manifest, knobbed, inserted := moveImageConfigs(manifest, res, m)
	if len(knobbed) == 0 {
		return rewriteScanned(manifest, res, m)
	}
	out, changes, err := rewrite(manifest, m)
	if err != nil {
		return nil, nil, err
	}
	for i := range changes {
		changes[i].Line = originalLine(changes[i].Line, inserted)
	}
	changes = append(changes, knobbed...)
	slices.SortStableFunc(changes, func(a, b Change) int { return cmp.Compare(a.Line, b.Line) })
	return out, changes, nil
}

// originalLine maps a line of the stream after insertions (each at a
// line of the stream as it was then, in the order made) back to its line
// in the original stream.
func originalLine(line int, inserted []insertion) int {
	for i := len(inserted) - 1; i >= 0; i-- {
		if in := inserted[i]; line >= in.line+in.n {
			line -= in.n
		}
	}
	return line
}

// insertion is lines added before a line.
type insertion struct{ line, n int }

func rewrite(manifest []byte, m reference.Mapping) ([]byte, []Change, error) {
	res, err := discover.Scan(manifest, "")
	if err != nil {
		return nil, nil, err
	}
	return rewriteScanned(manifest, res, m)
}

// rewriteScanned rewrites manifest, scanned into res.
func rewriteScanned(manifest []byte, res *discover.Result, m reference.Mapping) ([]byte, []Change, error) {
	r := &rewriter{s: newStream(manifest), ed: newEditor(manifest), m: m, parts: map[discover.Position]string{},
		added: map[*yaml.Node]*additions{}, encs: map[*yaml.Node]*encoded{}}
	var changes []Change
	for _, img := range res.Images {
		for _, o := range img.Origins {
			c, ok := r.one(img.Ref, o)
			if !ok {
				continue
			}
			if o.Form == discover.OperatorDefault && c.Skipped == "" {
				node, off, set, why := r.defaultKnob(o, img.Ref, c.To)
				c.Skipped = why
				if why == "" {
					r.add(node, off, set, len(changes))
				}
			}
			changes = append(changes, c)
		}
	}
	r.flush(changes)
	for line, why := range r.encode() {
		for i := range changes {
			if changes[i].Line == line && changes[i].Skipped == "" {
				changes[i].Skipped = why
			}
		}
	}
	slices.SortStableFunc(changes, func(a, b Change) int { return cmp.Compare(a.Line, b.Line) })
	return r.ed.bytes(), changes, nil
}

// rewriter rewrites one stream.
type rewriter struct {
	s        *stream
	ed       *editor
	m        reference.Mapping
	parts    map[discover.Position]string // registry parts of composed references rewritten, and their new value
	encs     map[*yaml.Node]*encoded      // decoded texts of base64 values, by value
	encOrder []place                      // the base64 values of encs, in the order met
	added    map[*yaml.Node]*additions    // settings to add to operator containers
	order    []*yaml.Node                 // the containers of added, in the order met
}

// underDestination reports whether r is already under the mapping's
// registry and prefix.
func underDestination(r reference.Reference, m reference.Mapping) bool {
	if r.Registry != m.Registry {
		return false
	}
	return m.Prefix == "" || strings.HasPrefix(r.Repository, m.Prefix+"/")
}

// one rewrites the image ref found at origin o. It reports false when
// there is nothing to say: the image is already under the destination.
func (r *rewriter) one(ref reference.Reference, o discover.Origin) (Change, bool) {
	m := r.m
	if o.Form == discover.Declared || underDestination(ref, m) {
		return Change{}, false
	}
	c := Change{Origin: o, From: ref, Line: o.At.Line}
	target, err := m.Map(ref)
	c.To = target
	switch {
	case o.Form == discover.Derived:
		c.Skipped = "derived by the operator, not written in the manifest; set serverImage"
		return c, true
	case err != nil:
		c.Skipped = err.Error()
		return c, true
	case o.Form == discover.Overridden:
		c.Skipped = "the operator applies its ImageConfig imageRegistry to it; set that instead"
		return c, true
	case o.Form == discover.Composed:
		c.Line, c.Skipped = r.composed(o, target)
		return c, true
	case o.Form == discover.OperatorDefault:
		return c, true // Rewrite adds the setting that moves it
	}
	pl, ok := r.s.find(o.At)
	n, off, ed := pl.n, pl.off, r.editor(pl)
	switch {
	case ok && o.Form == discover.ImageObject && n.Kind == yaml.MappingNode:
		c.Line = r.line(pl, n.Line+off)
		if ref := resolve(lookup(n, "reference")); ref != nil && ref.Kind == yaml.ScalarNode {
			// A Kubernetes image volume: the reference is written out.
			c.Skipped = rewriteScalar(ed, ref, ref.Line+off, ref.Line+off, "", c.From, target, o.Path)
			break
		}
		v1beta2 := strings.HasPrefix(o.Via, "cass-operator ImageConfig v1beta2") && pl.enc == nil
		c.Skipped, c.Inserted = rewriteObject(ed, n, off, target, m, v1beta2)
	case ok && o.Form == discover.Written && n.Kind == yaml.ScalarNode:
		c.Line = r.line(pl, n.Line+off)
		text, at := "", n.Line+off
		if pl.line.Kind == discover.LineStep {
			c.Line = o.At.Line
			text, at = lineOf(n.Value, pl.line.Index), firstLine(n, off)+pl.line.Index
		}
		c.Skipped = rewriteScalar(ed, n, n.Line+off, at, text, ref, target, o.Path)
	default:
		c.Skipped = "not found at " + o.Path
	}
	return c, true
}

// firstLine is the line of the first line of the text of scalar n: the
// line after the indicator of a block scalar.
func firstLine(n *yaml.Node, off int) int {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Line + off + 1
	}
	return n.Line + off
}

// encoded is the decoded text of a base64 value being rewritten.
type encoded struct {
	ed   *editor
	text string
}

// editor returns the editor of the stream, or, inside base64 data, the one
// of the decoded text.
func (r *rewriter) editor(pl place) *editor {
	if pl.enc == nil {
		return r.ed
	}
	e, ok := r.encs[pl.enc]
	if !ok {
		text := r.s.decoded(pl.enc).Value
		e = &encoded{ed: newEditor([]byte(text)), text: text}
		r.encs[pl.enc] = e
		r.encOrder = append(r.encOrder, pl)
	}
	return e.ed
}

// line is the line of the stream a node line is on: inside base64 data,
// that of the value.
func (r *rewriter) line(pl place, l int) int {
	if pl.enc != nil {
		return pl.enc.Line + pl.encOff
	}
	return l
}

// encode writes back the base64 values whose decoded text changed. It
// returns the lines of those it could not.
func (r *rewriter) encode() map[int]string {
	failed := map[int]string{}
	for _, pl := range r.encOrder {
		e := r.encs[pl.enc]
		text := string(e.ed.bytes())
		if text == e.text {
			continue
		}
		line := pl.enc.Line + pl.encOff
		old := strings.TrimSpace(pl.enc.Value)
		if strings.ContainsAny(old, " \t\n") || !r.ed.replace(line, 1, old, base64.StdEncoding.EncodeToString([]byte(text))) {
			failed[line] = "the base64 value is not written on one line"
		}
	}
	return failed
}

// composed rewrites the registry part of a reference composed from parts
// (global.hub + global.proxy.image + global.tag): the part becomes the
// target without the image name; a part that is the origin itself holds
// the repository (an operator's FOO_IMAGE_REPOSITORY + FOO_VERSION) and
// becomes the target's. A part shared by several images is rewritten
// once; they must agree on its new value. It returns the line of the part
// and why it could not, or "".
func (r *rewriter) composed(o discover.Origin, target reference.Reference) (int, string) {
	npl, okName := r.s.find(o.At)
	ppl, okPart := r.s.find(o.Part)
	name, part, off, ed := npl.n, ppl.n, ppl.off, r.editor(ppl)
	if !okName || !okPart || name.Kind != yaml.ScalarNode || part.Kind != yaml.ScalarNode {
		return o.At.Line, "the parts of the composed reference are not found at " + o.Path
	}
	line := part.Line + off
	hub, ok := target.Name(), true
	if o.Part != o.At {
		hub, ok = strings.CutSuffix(hub, "/"+strings.TrimSpace(name.Value))
	}
	if !ok {
		return line, "the image name does not end the target path"
	}
	if done, ok := r.parts[o.Part]; ok {
		if done != hub {
			return line, "its registry part is shared with an image that maps to " + done
		}
		return line, ""
	}
	old := strings.TrimSpace(part.Value)
	if old != hub && !ed.replace(line, strings.Count(part.Value, "\n")+1, old, hub) {
		return r.line(ppl, line), "the registry part is not written out on line " + fmt.Sprint(line)
	}
	r.parts[o.Part] = hub
	return r.line(ppl, line), ""
}

// lineOf returns line i (from 0) of a text.
func lineOf(text string, i int) string {
	for ; i > 0; i-- {
		_, rest, ok := strings.Cut(text, "\n")
		if !ok {
			return ""
		}
		text = rest
	}
	first, _, _ := strings.Cut(text, "\n")
	return first
}
