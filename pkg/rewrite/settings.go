package rewrite

import (
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/discover"
)

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
