package rewrite

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// A cass-operator ImageConfig is moved by its own registry settings where
// they can express the mapping: v1beta1 imageRegistry (and imageNamespace
// for a flattened mirror), v1beta2 overrides.registry (and
// overrides.repository). Then the server images cass-operator derives
// later from a datacenter's serverVersion (repository + version + suffix,
// or a types.<type> entry) follow the mirror too, for versions not in the
// manifests yet: the version mapping keeps working, no image is pinned.
// A setting is kept only when scanning the result again shows every image
// the ImageConfig names or derives at its place in the mirror; otherwise
// the ImageConfig's images are rewritten one by one where they are written.

// knob is the ImageConfig settings to write, each a key path and a value.
type knob []knobSetting

type knobSetting struct {
	path  []string // keys from the ImageConfig's root; the last one is set
	value string
}

func (k knob) String() string {
	parts := make([]string, len(k))
	for i, s := range k {
		parts[i] = fmt.Sprintf("%s: %q", strings.Join(s.path, "."), s.value)
	}
	return strings.Join(parts, ", ")
}

// knobs returns the settings to try for an ImageConfig of version v at
// node root, the likeliest first. v1beta1 per-component registries
// (defaults.<component>.imageRegistry) are set where they are set, since
// they win over imageRegistry.
func knobs(version string, root *yaml.Node, m reference.Mapping, hosts []string) []knob {
	registries := []string{m.String()}
	switch m.Layout {
	case reference.KeepHost:
		registries = registries[:0]
		for _, h := range hosts {
			registries = append(registries, m.String()+"/"+strings.ReplaceAll(h, ":", "_"))
		}
	case reference.Flatten:
		if version == "v1beta2" {
			registries = []string{m.Registry}
		}
	}
	var out []knob
	for _, reg := range registries {
		if version == "v1beta2" {
			k := knob{{path: []string{"overrides", "registry"}, value: reg}}
			if m.Layout == reference.Flatten {
				k = append(k, knobSetting{path: []string{"overrides", "repository"}, value: m.Prefix})
			}
			out = append(out, k)
			continue
		}
		k := knob{{path: []string{"imageRegistry"}, value: reg}}
		if m.Layout == reference.Flatten {
			k = append(k, knobSetting{path: []string{"imageNamespace"}, value: ""})
		}
		if d := resolve(lookup(root, "defaults")); d != nil && d.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(d.Content); i += 2 {
				if c := resolve(d.Content[i+1]); c != nil && c.Kind == yaml.MappingNode && lookup(c, "imageRegistry") != nil {
					k = append(k, knobSetting{path: []string{"defaults", d.Content[i].Value, "imageRegistry"}, value: reg})
				}
			}
		}
		out = append(out, k)
	}
	if version != "v1beta2" && m.Layout == reference.KeepHost {
		// Each registry setting kept as a path part under the mirror:
		// the images it moves all come from it.
		var k knob
		if r := str(lookup(root, "imageRegistry")); r != "" {
			k = append(k, knobSetting{path: []string{"imageRegistry"}, value: keepHost(m, r)})
		}
		if d := resolve(lookup(root, "defaults")); d != nil && d.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(d.Content); i += 2 {
				if c := resolve(d.Content[i+1]); c != nil && c.Kind == yaml.MappingNode {
					if r := str(lookup(c, "imageRegistry")); r != "" {
						k = append(k, knobSetting{path: []string{"defaults", d.Content[i].Value, "imageRegistry"}, value: keepHost(m, r)})
					}
				}
			}
		}
		if len(k) > 0 {
			out = append(out, k)
		}
	}
	return out
}

// keepHost is the registry setting that puts the images of registry r
// where the KeepHost layout does.
func keepHost(m reference.Mapping, r string) string {
	return m.String() + "/" + strings.ReplaceAll(strings.TrimSuffix(r, "/"), ":", "_")
}

// str returns the value of a scalar node, or "".
func str(n *yaml.Node) string {
	if n = resolve(n); n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// affected is an image an ImageConfig names or derives, keyed by where it
// is found.
type affected struct {
	key    string
	ref    reference.Reference
	origin discover.Origin
}

// configKey identifies an origin across rescans: the object and path, and
// for a derived image the ImageConfig it is derived through.
func configKey(o discover.Origin) string {
	k := o.File + "\x00" + o.Object() + "\x00" + o.Path
	if o.Form == discover.Derived {
		if _, cfg, ok := strings.Cut(o.Via, " of ImageConfig "); ok {
			k += "\x00" + cfg
		}
	}
	return k
}

// affectedBy returns the images ImageConfig c names (found inside it) or
// derives (through it), and their source registries.
func affectedBy(res *discover.Result, c discover.ImageConfig) ([]affected, []string) {
	root := c.Origin.At.Steps()
	where := " of ImageConfig " + c.Version + " " + c.Origin.Object()
	var out []affected
	var hosts []string
	for _, img := range res.Images {
		for _, o := range img.Origins {
			inside := hasPrefix(o.At.Steps(), root) && o.Form != discover.OperatorDefault
			derived := o.Form == discover.Derived && strings.Contains(o.Via, where)
			if !inside && !derived {
				continue
			}
			out = append(out, affected{key: configKey(o), ref: img.Ref, origin: o})
			if !slices.Contains(hosts, img.Ref.Registry) {
				hosts = append(hosts, img.Ref.Registry)
			}
		}
	}
	return out, hosts
}

func hasPrefix(steps, prefix []discover.Step) bool {
	return len(steps) >= len(prefix) && slices.Equal(steps[:len(prefix)], prefix)
}

// moveImageConfigs sets the registry settings of every ImageConfig of the
// stream (scanned into res) where they move all its images to their targets. It returns the
// stream, the changes made that way, and the lines inserted, for Rewrite
// to map lines of the result back.
func moveImageConfigs(data []byte, res *discover.Result, m reference.Mapping) ([]byte, []Change, []insertion) {
	if len(res.ImageConfigs) == 0 {
		return data, nil, nil
	}
	var changes []Change
	var inserted []insertion
	for i := range res.ImageConfigs {
		c := res.ImageConfigs[i]
		imgs, hosts := affectedBy(res, c)
		var todo []affected
		for _, a := range imgs {
			if !underDestination(a.ref, m) {
				todo = append(todo, a)
			}
		}
		if len(todo) == 0 {
			continue
		}
		st := newStream(data)
		pl, ok := st.find(c.Origin.At)
		if !ok {
			continue
		}
		moved := false
		for _, k := range knobs(c.Version, pl.n, m, hosts) {
			ed := newEditor(data)
			ins, ok := setKnob(newStream(data), ed, c.Origin.At, k)
			if !ok {
				continue
			}
			out := ed.bytes()
			again, err := discover.Scan(out, "")
			if err != nil {
				continue
			}
			if !verify(again, todo, m) {
				continue
			}
			added := 0
			for _, in := range ins {
				added += in.n
			}
			for j, a := range todo {
				to, _ := m.Map(a.ref)
				c := Change{Origin: a.origin, From: a.ref, To: to, Line: a.origin.At.Line, Knob: fmt.Sprintf("ImageConfig %s", k)}
				if j == 0 {
					c.Inserted = added // the settings added, counted once
				}
				changes = append(changes, c)
			}
			// Later ImageConfigs are found again in the new stream:
			// rescan, and count the lines added in original lines.
			data, res = out, again
			inserted = append(inserted, ins...)
			moved = true
			break
		}
		if moved {
			continue
		}
		// No setting moves every image: the images are rewritten where
		// they are written, and the building blocks of derived server
		// images (v1beta2 types.<type>, v1beta1 defaults.<type>.repository)
		// moved here, so that the version mapping keeps working.
		ed := newEditor(data)
		blocks, ins := moveServerBlocks(newStream(data), ed, c, m)
		if len(blocks) == 0 {
			continue
		}
		out := ed.bytes()
		again, err := discover.Scan(out, "")
		if err != nil {
			continue
		}
		var derived []affected
		for _, a := range todo {
			if a.origin.Form == discover.Derived {
				derived = append(derived, a)
			}
		}
		if !verify(again, derived, m) {
			continue
		}
		for _, a := range derived {
			to, _ := m.Map(a.ref)
			changes = append(changes, Change{Origin: a.origin, From: a.ref, To: to, Line: a.origin.At.Line, Knob: "ImageConfig " + blockNames(blocks)})
		}
		for j, b := range blocks {
			b.Knob = "ImageConfig " + b.Origin.Path
			if j == 0 {
				for _, in := range ins {
					b.Inserted += in.n
				}
			}
			changes = append(changes, b)
		}
		data, res = out, again
		inserted = append(inserted, ins...)
	}
	return data, changes, inserted
}

func blockNames(blocks []Change) string {
	names := make([]string, len(blocks))
	for i, b := range blocks {
		names[i] = b.Origin.Path
	}
	return strings.Join(names, ", ")
}

// moveServerBlocks rewrites the parts the ImageConfig c builds server
// images from: each v1beta2 types.<type> object (its registry and
// repository; a registry added where it has none), each v1beta1
// defaults.<type>.repository where no registry or namespace override
// applies. It returns a Change per part, from and to the image it makes for
// the version "VERSION", and the lines added.
func moveServerBlocks(s *stream, ed *editor, c discover.ImageConfig, m reference.Mapping) ([]Change, []insertion) {
	pl, ok := s.find(c.Origin.At)
	if !ok || pl.enc != nil || pl.n.Kind != yaml.MappingNode {
		return nil, nil
	}
	root, off := pl.n, pl.off
	var out []Change
	var ins []insertion
	change := func(path string, n *yaml.Node, from string) (Change, reference.Reference, bool) {
		ref, err := reference.Parse(from)
		if err != nil {
			return Change{}, reference.Reference{}, false
		}
		to, err := m.Map(ref)
		if err != nil || underDestination(ref, m) {
			return Change{}, reference.Reference{}, false
		}
		o := c.Origin
		o.Path = strings.TrimSuffix(o.Path+"."+path, ".")
		if c.Origin.Path == "" {
			o.Path = path
		}
		o.Form, o.Via = discover.Derived, "the server image cass-operator builds for any version"
		o.At.Line = n.Line + off
		return Change{Origin: o, From: ref, To: to, Line: n.Line + off}, to, true
	}
	if c.Version == "v1beta2" {
		if ov := resolve(lookup(root, "overrides")); ov != nil && ov.Kind == yaml.MappingNode && len(ov.Content) > 0 {
			return nil, nil // overrides win over what a type says
		}
		defReg, defRepo := "", ""
		if d := resolve(lookup(root, "defaults")); d != nil && d.Kind == yaml.MappingNode {
			defReg, defRepo = str(lookup(d, "registry")), str(lookup(d, "repository"))
		}
		types := resolve(lookup(root, "types"))
		if types == nil || types.Kind != yaml.MappingNode {
			return nil, nil
		}
		for i := 0; i+1 < len(types.Content); i += 2 {
			t := resolve(types.Content[i+1])
			if !blockMapping(t) || str(lookup(t, "name")) == "" {
				continue
			}
			parts := []string{firstNonEmpty(str(lookup(t, "registry")), defReg), firstNonEmpty(str(lookup(t, "repository")), defRepo), str(lookup(t, "name"))}
			var kept []string
			for _, p := range parts {
				if p = strings.Trim(p, "/"); p != "" {
					kept = append(kept, p)
				}
			}
			tag := str(lookup(t, "prefix")) + "VERSION" + str(lookup(t, "suffix"))
			ch, to, ok := change("types."+types.Content[i].Value, t, strings.Join(kept, "/")+":"+tag)
			if !ok {
				continue
			}
			if why, n := rewriteObject(ed, t, off, to, m, true); why == "" {
				out = append(out, ch)
				if n > 0 {
					ins = append(ins, insertion{line: t.Content[0].Line + off, n: n})
				}
			}
		}
	} else {
		if str(lookup(root, "imageRegistry")) != "" || lookup(root, "imageNamespace") != nil {
			return nil, nil
		}
		d := resolve(lookup(root, "defaults"))
		if d == nil || d.Kind != yaml.MappingNode {
			return nil, nil
		}
		for i := 0; i+1 < len(d.Content); i += 2 {
			t := resolve(d.Content[i+1])
			repo := resolve(lookup(t, "repository"))
			if t == nil || t.Kind != yaml.MappingNode || str(lookup(t, "imageRegistry")) != "" || repo == nil || str(repo) == "" {
				continue
			}
			ch, to, ok := change("defaults."+d.Content[i].Value+".repository", repo, strings.TrimSpace(repo.Value)+":VERSION"+str(lookup(t, "suffix")))
			if !ok {
				continue
			}
			if ed.replace(repo.Line+off, 1, strings.TrimSpace(repo.Value), to.Name()) {
				out = append(out, ch)
			}
		}
	}
	slices.SortFunc(ins, func(a, b insertion) int { return a.line - b.line })
	shift := 0
	for i := range ins {
		ins[i].line += shift
		shift += ins[i].n
	}
	return out, ins
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

// verify reports whether every image of todo is found, in the rescanned
// result, at its place as its target.
func verify(res *discover.Result, todo []affected, m reference.Mapping) bool {
	found := map[string]string{}
	for _, img := range res.Images {
		for _, o := range img.Origins {
			found[configKey(o)] = img.Ref.String()
		}
	}
	for _, a := range todo {
		to, err := m.Map(a.ref)
		if err != nil || found[a.key] != to.String() {
			return false
		}
	}
	return true
}

// setKnob writes the settings of k into the ImageConfig at p: replacing
// the line of a key that is set, or adding a line before the first key of
// the mapping that holds it (and the mappings on its way where they are
// missing or empty). It returns the lines added, in the order added.
func setKnob(s *stream, ed *editor, p discover.Position, k knob) ([]insertion, bool) {
	pl, ok := s.find(p)
	if !ok || pl.enc != nil || !blockMapping(pl.n) {
		return nil, false
	}
	root, off := pl.n, pl.off
	adds := map[int]*strings.Builder{} // by line: the lines to add before it
	var order []int
	add := func(line int, text string) {
		b, ok := adds[line]
		if !ok {
			b = &strings.Builder{}
			adds[line] = b
			order = append(order, line)
		}
		b.WriteString(text)
	}
	for _, g := range groups(k) {
		// Walk to the mapping that holds the keys; the last missing or
		// empty one is written with the keys under it.
		m, at := root, 0
		for ; at < len(g.parent); at++ {
			next := resolve(lookup(m, g.parent[at]))
			if !blockMapping(next) {
				break
			}
			m = next
		}
		if at < len(g.parent) {
			if at != len(g.parent)-1 {
				return nil, false
			}
			key := g.parent[at]
			under := strings.Builder{}
			for _, set := range g.sets {
				under.WriteString(set.path[len(set.path)-1] + ": " + strconv.Quote(set.value) + "\n")
			}
			next := resolve(lookup(m, key))
			if next == nil { // missing: added before the first setting
				line := firstSetting(m).Line + off
				indent, ok := indentOf(ed, line)
				if !ok {
					return nil, false
				}
				add(line, indent+key+":\n"+indentLines(indent+"  ", under.String()))
				continue
			}
			// "overrides:" with nothing under it but comments: write the
			// key line again with the keys under it.
			kn := keyOf(m, key)
			line := kn.Line + off
			indent, ok := indentOf(ed, line)
			if !ok || next.Kind != yaml.ScalarNode || next.Value != "" || next.Line != kn.Line {
				return nil, false
			}
			setLine(ed, line, indent+key+":\n"+indentLines(indent+"  ", under.String()))
			order = append(order, -line)
			continue
		}
		first := firstSetting(m).Line + off
		indent, ok := indentOf(ed, first)
		if !ok {
			return nil, false
		}
		for _, set := range g.sets {
			key, value := set.path[len(set.path)-1], strconv.Quote(set.value)
			kn := keyOf(m, key)
			if kn == nil {
				add(first, indent+key+": "+value+"\n")
				continue
			}
			vn := resolve(lookup(m, key))
			line := kn.Line + off
			ind, ok := indentOf(ed, line)
			if !ok || vn.Kind != yaml.ScalarNode || vn.Line != kn.Line || strings.Contains(vn.Value, "\n") {
				return nil, false
			}
			// The value alone where it is written out (comments and
			// quoting stay), else the whole line.
			if vn.Value == "" || set.value == "" || !ed.replace(line, 1, vn.Value, set.value) {
				setLine(ed, line, ind+key+": "+value+"\n")
			}
		}
	}
	var ins []insertion
	for _, line := range order {
		if line < 0 { // a key line written again with lines under it
			ins = append(ins, insertion{line: -line + 1, n: strings.Count(string(ed.lines[-line-1]), "\n") - 1})
			continue
		}
		text := adds[line].String()
		ed.insert(line, text)
		ins = append(ins, insertion{line: line, n: strings.Count(text, "\n")})
	}
	// Lines of the original stream, in order; then each in the stream as
	// the ones before it left it.
	slices.SortFunc(ins, func(a, b insertion) int { return a.line - b.line })
	shift := 0
	for i := range ins {
		ins[i].line += shift
		shift += ins[i].n
	}
	return ins, true
}

// firstSetting returns the first key of m that is not apiVersion, kind or
// metadata: settings are added before it, after the object's identity.
func firstSetting(m *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		switch m.Content[i].Value {
		case "apiVersion", "kind", "metadata":
			continue
		}
		return m.Content[i]
	}
	return m.Content[0]
}

// indentLines puts indent before every line of text.
func indentLines(indent, text string) string {
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = indent + l
		}
	}
	return strings.Join(lines, "")
}

// group is the settings of a knob under one parent.
type group struct {
	parent []string
	sets   []knobSetting
}

// groups groups the settings of k by parent, in the order first met.
func groups(k knob) []group {
	var out []group
	for _, set := range k {
		parent := set.path[:len(set.path)-1]
		i := slices.IndexFunc(out, func(g group) bool { return slices.Equal(g.parent, parent) })
		if i < 0 {
			out = append(out, group{parent: parent})
			i = len(out) - 1
		}
		out[i].sets = append(out[i].sets, set)
	}
	return out
}

// blockMapping reports whether n is a mapping in block style with keys.
func blockMapping(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 && len(n.Content) > 0
}

// setLine replaces a line of the stream by text (whole lines), keeping
// the line's end: a last line without a newline stays without one.
func setLine(ed *editor, line int, text string) {
	if !strings.HasSuffix(string(ed.lines[line-1]), "\n") {
		text = strings.TrimSuffix(text, "\n")
	}
	ed.lines[line-1] = []byte(text)
}

// keyOf returns the key node of key in mapping m, or nil.
func keyOf(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return nil
}

// indentOf returns the white space a line of the stream starts with.
func indentOf(ed *editor, line int) (string, bool) {
	if line < 1 || line > len(ed.lines) {
		return "", false
	}
	text := string(ed.lines[line-1])
	return text[:len(text)-len(strings.TrimLeft(text, " \t"))], true
}
