package rewrite

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
)

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
