package overrides

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// YAML returns the overrides as a values file: keys sorted, a comment on
// every value saying which images it moves (source -> target) or why it is
// there, a header naming the chart and the destination, and at the end the
// images the check found left behind, if any. The output depends only on
// the overrides: the same chart, values and mapping give the same bytes.
func (o *Overrides) YAML() []byte {
	var root yaml.Node
	if err := root.Encode(o.Values()); err != nil {
		// Values holds only strings, booleans, maps and lists.
		panic(fmt.Sprintf("overrides: encoding values: %v", err))
	}
	for _, e := range o.Entries {
		if n := nodeAt(&root, e.Path); n != nil {
			n.HeadComment = comment(e)
		}
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: o.header(), Content: []*yaml.Node{&root}}
	if foot := o.footer(); foot != "" {
		doc.FootComment = foot
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		panic(fmt.Sprintf("overrides: encoding values: %v", err))
	}
	_ = enc.Close()
	return b.Bytes()
}

// ParseValues reads a values file (the generated one, or one written by
// hand for Check) as Helm reads values files: YAML read as JSON, numbers as
// float64, an empty file as no values.
func ParseValues(data []byte) (map[string]any, error) {
	out := map[string]any{}
	if err := sigsyaml.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("reading values: %w", err)
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// header says what the file is for and how to use it.
func (o *Overrides) header() string {
	lines := []string{
		fmt.Sprintf("Values for %s %s that pull every image from %s (%s layout).", o.Chart, o.Version, o.Mapping, o.Mapping.Layout),
		"Give this file to Helm after your own values files: -f your-values.yaml -f this-file.yaml",
		"Written by airlift values; checked by rendering the chart with it.",
	}
	if o.Check != nil {
		lines = append(lines, fmt.Sprintf("Check: %d image(s) moved, %d left behind.", len(o.Check.Moved), len(o.Check.Leaks)+len(o.Check.Missing)))
	}
	return commentLines(lines)
}

// footer lists what the check found left behind.
func (o *Overrides) footer() string {
	if o.Check == nil || o.Check.OK() {
		return ""
	}
	var lines []string
	for _, l := range o.Check.Leaks {
		// Not template-only: some value reaches the image, but no value
		// (or pair of values) found gives its target.
		what := "values reach it, but none found gives its target in this layout"
		switch {
		case len(l.PinnedBy) > 0:
			what = l.pinnedText()
		case l.OperatorDefault && l.Default != "":
			what = "an operator default (airlift postrender sets " + l.Default + " on the operator)"
		case l.OperatorDefault:
			what = "an operator default that no operator setting moves (set the resource's own image field)"
		case l.TemplateOnly:
			what = "set in the template only (airlift postrender rewrites it)"
		case l.Image.IsZero():
			what = "a value discovery could not read"
		}
		img := l.Image.String()
		if l.Image.IsZero() {
			img = fmt.Sprintf("%q", l.Value)
		}
		lines = append(lines, fmt.Sprintf("LEFT BEHIND: %s, %s:", img, what))
		for _, origin := range l.Origins {
			lines = append(lines, "  "+origin.String())
		}
	}
	for _, p := range o.Check.Missing {
		lines = append(lines, fmt.Sprintf("MISSING: %s -> %s is not rendered with this file", p.Source, p.Target))
	}
	return commentLines(lines)
}

// comment is the comment above one value.
func comment(e Entry) string {
	var lines []string
	switch e.Kind {
	case KnobEntry:
		if len(e.Moves) == 1 && e.Places > 1 {
			lines = append(lines, fmt.Sprintf("chart-wide: moves %d image(s) at %d places", len(e.Moves), e.Places))
		} else {
			lines = append(lines, fmt.Sprintf("chart-wide: moves %d image(s)", len(e.Moves)))
		}
		if e.Note != "" {
			lines = append(lines, e.Note)
		}
		for _, p := range e.Moves {
			lines = append(lines, fmt.Sprintf("  %s -> %s", p.Source, p.Target))
		}
	case ImageEntry:
		for _, p := range e.Moves {
			lines = append(lines, fmt.Sprintf("%s -> %s", p.Source, p.Target))
		}
		if e.Note != "" {
			lines = append(lines, e.Note)
		}
	default:
		lines = append(lines, e.Note)
	}
	return commentLines(lines)
}

func commentLines(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("# ")
		b.WriteString(l)
	}
	return b.String()
}

// nodeAt returns the node a comment for p goes on: the key node of the
// last key, or the element node of a last index.
func nodeAt(n *yaml.Node, p Path) *yaml.Node {
	for i, s := range p {
		last := i == len(p)-1
		switch {
		case n.Kind == yaml.MappingNode && !s.IsIndex:
			var next *yaml.Node
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == s.Key {
					if last {
						return n.Content[j]
					}
					next = n.Content[j+1]
					break
				}
			}
			if next == nil {
				return nil
			}
			n = next
		case n.Kind == yaml.SequenceNode && s.IsIndex && s.Index < len(n.Content):
			n = n.Content[s.Index]
			if last {
				return n
			}
		default:
			return nil
		}
	}
	return nil
}
