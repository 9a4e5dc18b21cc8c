package rewrite

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/catalog"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// setting is an operator setting to add to a container: an env variable or
// a command-line flag.
type setting struct {
	env, flag, value string
}

// additions are the settings to add to one container, added together once
// every image is looked at (several defaults share one env list).
type additions struct {
	node     *yaml.Node // the container
	off      int
	settings []setting
	changes  []int // indexes in the changes of Rewrite
}

// defaultKnob finds the setting that replaces the default image ref of
// the operator container at o (a catalog default), and reports why there
// is none that a manifest can carry.
func (r *rewriter) defaultKnob(o discover.Origin, ref reference.Reference, target reference.Reference) (*yaml.Node, int, setting, string) {
	pl, ok := r.s.find(o.At)
	c, off := pl.n, pl.off
	if !ok || c.Kind != yaml.MappingNode || pl.enc != nil {
		return nil, 0, setting{}, "the operator's container is not found at " + o.Path
	}
	img := resolve(lookup(c, "image"))
	if img == nil || img.Kind != yaml.ScalarNode {
		return nil, 0, setting{}, "the operator's container has no image"
	}
	opRef, err := reference.Parse(strings.TrimSpace(img.Value))
	if err != nil {
		return nil, 0, setting{}, "the operator's image does not parse"
	}
	m, ok := catalog.Default().Lookup(opRef)
	if !ok || m.Release == nil {
		return nil, 0, setting{}, "the operator is not in the catalog"
	}
	for _, d := range m.Release.Images {
		dref, err := d.Reference(m.Tag)
		if err != nil || dref.String() != ref.String() || !strings.Contains(o.Via, ": "+d.Use) {
			continue
		}
		for _, k := range d.Knobs {
			switch {
			case k.Base || k.DigestOnly:
				continue
			case k.Env != "":
				return c, off, setting{env: k.Env, value: target.String()}, ""
			case k.Flag != "":
				return c, off, setting{flag: k.Flag, value: target.String()}, ""
			}
		}
		if d.For != nil {
			return nil, 0, setting{}, fmt.Sprintf("operator default that no setting of the operator moves to a tag; set %s of each %s", d.For.Field, d.For.Kind)
		}
		return nil, 0, setting{}, "operator default that no setting of the operator moves"
	}
	return nil, 0, setting{}, "operator default repository set by a flag; set that flag to the mirror"
}

// add notes a setting for the container c.
func (r *rewriter) add(c *yaml.Node, off int, s setting, change int) {
	a := r.added[c]
	if a == nil {
		a = &additions{node: c, off: off}
		r.added[c] = a
		r.order = append(r.order, c)
	}
	a.settings = append(a.settings, s)
	a.changes = append(a.changes, change)
}

// flush adds the settings noted for each container: env variables before
// the first item of its env list (or as a new env list), flags before the
// first item of its args. It records on each change the line and the
// number of lines added, or why it could not.
func (r *rewriter) flush(changes []Change) {
	for _, c := range r.order {
		a := r.added[c]
		var env, flags []setting
		var envChanges, flagChanges []int
		for i, s := range a.settings {
			if s.env != "" {
				env, envChanges = append(env, s), append(envChanges, a.changes[i])
			} else {
				flags, flagChanges = append(flags, s), append(flagChanges, a.changes[i])
			}
		}
		if len(env) > 0 {
			line, n, why := r.insertList(a, "env", env)
			record(changes, envChanges, line, n, why)
		}
		if len(flags) > 0 {
			line, n, why := r.insertList(a, "args", flags)
			record(changes, flagChanges, line, n, why)
		}
	}
}

func record(changes []Change, idx []int, line, n int, why string) {
	for i, j := range idx {
		changes[j].Line = line
		changes[j].Skipped = why
		if why == "" && i == 0 {
			changes[j].Inserted = n
		}
	}
}

// insertList adds items to the list under key of a container mapping, in
// block style: before its first item, with that item's indentation; or,
// for env, as a new list before the container's second key. It returns the
// line inserted at, the lines added, and why it could not.
func (r *rewriter) insertList(a *additions, key string, items []setting) (int, int, string) {
	c, off := a.node, a.off
	if c.Style&yaml.FlowStyle != 0 {
		return c.Line + off, 0, "the operator's container is written in flow style"
	}
	list := resolve(lookup(c, key))
	switch {
	case list != nil && list.Kind == yaml.SequenceNode && len(list.Content) > 0 && list.Style&yaml.FlowStyle == 0:
		first := list.Content[0]
		line := first.Line + off
		if line < 1 || line > len(r.ed.lines) {
			return line, 0, "the " + key + " list is not found"
		}
		text := string(r.ed.lines[line-1])
		col := first.Column - 1
		dash := strings.LastIndexByte(text[:min(col, len(text))], '-')
		if dash < 0 || strings.TrimSpace(text[:dash]) != "" {
			return line, 0, "the " + key + " list is not written one item per line"
		}
		indent := text[:dash]
		var b strings.Builder
		for _, s := range items {
			b.WriteString(listItem(indent, strings.Repeat(" ", max(col-dash-1, 1)), s, first.Kind == yaml.MappingNode && first.Style&yaml.FlowStyle != 0))
		}
		r.ed.insert(line, b.String())
		return line, strings.Count(b.String(), "\n"), ""
	case list == nil && key == "env" && len(c.Content) >= 4:
		next := c.Content[2]
		line := next.Line + off
		if next.Line <= c.Content[0].Line || line < 1 || line > len(r.ed.lines) {
			return line, 0, "the operator's container is not written one key per line"
		}
		indent := strings.Repeat(" ", next.Column-1)
		var b strings.Builder
		b.WriteString(indent + "env:\n")
		for _, s := range items {
			b.WriteString(listItem(indent, " ", s, false))
		}
		r.ed.insert(line, b.String())
		return line, strings.Count(b.String(), "\n"), ""
	case key == "args":
		return c.Line + off, 0, "the operator's container has no args list in block style to add " + items[0].flag + " to"
	}
	return c.Line + off, 0, "the operator's env list is not in block style"
}

// listItem writes one list item: "- name: X\n  value: "V"\n" (or flow style
// "- {name: X, value: "V"}"), or "- --flag=V".
func listItem(indent, pad string, s setting, flow bool) string {
	switch {
	case s.flag != "":
		return fmt.Sprintf("%s-%s%s=%s\n", indent, pad, s.flag, s.value)
	case flow:
		return fmt.Sprintf("%s-%s{name: %s, value: %q}\n", indent, pad, s.env, s.value)
	}
	return fmt.Sprintf("%s-%sname: %s\n%s %svalue: %q\n", indent, pad, s.env, indent, pad, s.value)
}
