package discover

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/catalog"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// Option configures a Scanner.
type Option func(*Scanner)

// WithCatalog sets the catalog of the images operators pull by default
// (catalog.Default() unless set); nil reports none.
func WithCatalog(c *catalog.Catalog) Option {
	return func(s *Scanner) { s.catalog = c }
}

// operatorUse is a container running an operator the catalog knows, with
// the settings it is given.
type operatorUse struct {
	match  catalog.Match
	ref    reference.Reference
	origin Origin            // the container
	flags  map[string]string // --flag -> value ("" for a bare flag)
	env    map[string]string // name -> value ("" when set from elsewhere)
}

// resource is a top-level object of an operator's API group.
type resource struct {
	group, kind string
	origin      Origin
	node        *yaml.Node
}

// container notes the container c (a mapping at the current steps) when
// its image is an operator the catalog knows.
func (w *walker) container(c *yaml.Node) {
	img := get(c, "image")
	if !isString(img) {
		return
	}
	ref, err := reference.Parse(strings.TrimSpace(img.Value))
	if err != nil {
		return
	}
	m, ok := w.s.catalog.Lookup(ref)
	if !ok {
		return
	}
	u := operatorUse{match: m, ref: ref, origin: w.origin(c), flags: map[string]string{}, env: map[string]string{}}
	for _, key := range []string{"command", "args"} {
		list := get(c, key)
		if list == nil || list.Kind != yaml.SequenceNode {
			continue
		}
		var words []string
		for _, e := range list.Content {
			if e = resolve(e); isString(e) {
				words = append(words, strings.Fields(e.Value)...)
			}
		}
		for i, word := range words {
			if !strings.HasPrefix(word, "-") {
				continue
			}
			name, val, ok := strings.Cut(word, "=")
			if !ok && i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") {
				val = words[i+1]
			}
			u.flags["--"+strings.TrimLeft(name, "-")] = val
		}
	}
	if env := get(c, "env"); env != nil && env.Kind == yaml.SequenceNode {
		for _, e := range env.Content {
			e = resolve(e)
			if name := str(get(e, "name")); name != "" {
				u.env[name] = str(get(e, "value"))
			}
		}
	}
	w.s.operators = append(w.s.operators, u)
}

// noteResource records a top-level object of an API group the catalog
// knows.
func (w *walker) noteResource(m *yaml.Node) {
	if w.s.catalog == nil || w.depth > 0 {
		return
	}
	group := apiGroup(w.o.APIVersion)
	if group == "" || !w.s.groups[group] {
		return
	}
	w.s.resources = append(w.s.resources, resource{group: group, kind: w.o.Kind, origin: w.o, node: m})
}

// operatorDefaults adds the default images of every operator container
// that its settings and the resources in the input leave in use.
func (s *Scanner) operatorDefaults(images imageSet, notes []Warning) []Warning {
	for _, u := range s.operators {
		op, rel := u.match.Operator, u.match.Release
		if rel == nil {
			notes = append(notes, Warning{Value: u.ref.String(), Origin: u.origin, Message: fmt.Sprintf(
				"%s %s is not in the operator catalog (airlift images --explain-catalog): the images it pulls by default are not listed",
				op.Name, u.match.Tag)})
			continue
		}
		for _, img := range rel.Images {
			ref, err := img.Reference(u.match.Tag)
			if err != nil || !u.switchedOn(img.Switch) {
				continue
			}
			o := u.origin
			o.Form = OperatorDefault
			knob, base := u.knob(img, s.configKeys)
			switch {
			case base != "":
				r, err := reference.Parse(base + ":" + ref.Tag)
				if err != nil {
					notes = append(notes, Warning{Value: base, Origin: u.origin, Message: fmt.Sprintf("%s: %s does not make a reference with the default tag %s", op.Name, knob, ref.Tag)})
					continue
				}
				ref = r
			case knob != "":
				continue // the setting names the image: found where it is written
			}
			served, ok := s.serves(op, img.For)
			if !ok {
				continue
			}
			setting := ""
			for _, k := range img.Knobs {
				if !k.Base && !k.DigestOnly && base == "" {
					o.Setting, setting = Setting{Env: k.Env, Flag: k.Flag}, k.String()
					break
				}
			}
			src := img.Source(*rel)
			o.Via = fmt.Sprintf("operator default of %s %s: %s%s, compiled in (%s)", op.Name, u.match.Tag, img.Use, served, src.URL())
			switch {
			case base != "":
				o.Via += "; repository from " + knob
			case setting != "":
				o.Via += "; set " + setting + " to change it"
			case len(img.Knobs) > 0 && img.Knobs[0].DigestOnly:
				o.Via += "; " + img.Knobs[0].String() + " changes it only to a reference by digest"
			}
			if o.Setting.IsZero() && img.For != nil {
				o.Via += fmt.Sprintf("; set %s of each %s to change it", img.For.Field, img.For.Kind)
			}
			images.add(ref, o)
		}
	}
	return notes
}

// switchedOn reports whether a switch leaves the image in use.
func (u operatorUse) switchedOn(sw *catalog.Switch) bool {
	if sw == nil {
		return true
	}
	on := sw.On
	if v, ok := u.env[sw.Env]; sw.Env != "" && ok {
		if b, err := strconv.ParseBool(v); err == nil {
			on = b
		}
	}
	if v, ok := u.flags[sw.Flag]; sw.Flag != "" && ok {
		b, err := strconv.ParseBool(v)
		on = v == "" || err == nil && b
	}
	return on
}

// knob returns the setting of the container (or, for a config key, of a
// ConfigMap or Secret of the input) that replaces img, if any, and for a
// setting that holds a repository only, that repository.
func (u operatorUse) knob(img catalog.Image, configKeys map[string]string) (knob, base string) {
	for _, k := range img.Knobs {
		v, set := "", false
		if k.Flag != "" {
			v, set = u.flags[k.Flag]
		}
		if k.Env != "" && !set {
			v, set = u.env[k.Env]
		}
		if k.Config && !set {
			v, set = configKeys[k.Env]
		}
		if !set {
			continue
		}
		switch {
		case k.DigestOnly && !strings.Contains(v, "@sha256:"):
			continue // not honoured
		case k.Base && v != "" && !hasTagOrDigest(v):
			return k.String(), strings.TrimSuffix(v, "/")
		}
		return k.String(), ""
	}
	return "", ""
}

// hasTagOrDigest reports whether a written reference carries a tag or a
// digest.
func hasTagOrDigest(v string) bool {
	return strings.Contains(v, "@") || strings.Contains(v[strings.LastIndexByte(v, '/')+1:], ":")
}

// serves reports whether the installation uses a default serving
// resources of r's kind, and names the resources that need it. A default
// for all resources is used. One for a kind is used when a resource of
// that kind lacks the field that replaces it; when the input has none of
// that kind, when it creates none of the operator's resources at all (you
// create them later, and they get the default), unless the component is
// optional.
func (s *Scanner) serves(op *catalog.Operator, r *catalog.Resource) (string, bool) {
	if r == nil {
		return "", true
	}
	var lacking []string
	kindSeen, anySeen := false, false
	for _, res := range s.resources {
		if !op.HasGroup(res.group) {
			continue
		}
		anySeen = true
		if res.kind != r.Kind {
			continue
		}
		kindSeen = true
		if r.Requires != "" && fieldValue(res.node, r.Requires) == nil {
			continue
		}
		holds := true
		for _, c := range r.When {
			if !c.Holds(str(fieldValue(res.node, c.Field))) {
				holds = false
			}
		}
		if f := fieldValue(res.node, r.Field); holds && (f == nil || f.Kind == yaml.ScalarNode && strings.TrimSpace(f.Value) == "") {
			lacking = append(lacking, res.origin.Object())
		}
	}
	switch {
	case len(lacking) > 0:
		return " (for " + strings.Join(lacking, ", ") + ")", true
	case kindSeen || anySeen || r.Optional():
		return "", false
	}
	return "", true
}

// fieldValue follows a dotted field path from m.
func fieldValue(m *yaml.Node, dotted string) *yaml.Node {
	for _, k := range strings.Split(dotted, ".") {
		if m = get(m, k); m == nil {
			return nil
		}
	}
	return m
}

// serverRepositories returns the repositories cass-operator derives server
// images from, per server type, as the release of a cass-operator in the
// input says, with where that was read; nil when there is none.
func (s *Scanner) serverRepositories() (map[string]string, string) {
	for _, u := range s.operators {
		if u.match.Release != nil && len(u.match.Release.Servers) > 0 {
			return u.match.Release.Servers, fmt.Sprintf("%s %s (%s)", u.match.Operator.Name, u.match.Tag, u.match.Release.Source.URL())
		}
	}
	return nil, ""
}
