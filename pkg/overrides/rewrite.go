package overrides

import (
	"errors"
	"fmt"
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
}

// String formats the change on one line: "line 12: a -> b at path" or
// "line 12: a left alone: reason".
func (c Change) String() string {
	at := c.Origin.String()
	if c.Skipped != "" {
		return fmt.Sprintf("line %d: %s left alone at %s: %s", c.Line, c.From, at, c.Skipped)
	}
	return fmt.Sprintf("line %d: %s -> %s at %s", c.Line, c.From, c.To, at)
}

// Rewrite rewrites every image reference of a manifest stream to
// mapping.Map of itself, at the places pkg/discover finds them: container
// images, image-named fields, image objects, references in args, command,
// env values and ConfigMap data (embedded documents included). Only the
// references change: everything else is kept byte for byte, each reference
// keeps the form it was written in (a tag or digest written stays, an
// implied "latest" stays implied). References already under the
// destination are left alone, so that rewriting twice changes nothing.
//
// Images that are not written where they are found cannot be rewritten and
// come back as Changes with Skipped set: server images cass-operator derives
// from a serverVersion, and ImageConfig images it rewrites itself with its
// imageRegistry. Documents that are not YAML are an error (a join of
// *discover.SyntaxError) and nothing is returned.
func Rewrite(manifest []byte, m reference.Mapping) ([]byte, []Change, error) {
	docs := splitStream(manifest)
	var errs []error
	var changes []Change
	ed := newEditor(manifest)
	for _, d := range docs {
		res, err := discover.Scan(d.body, "")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var root yaml.Node
		if err := yaml.Unmarshal(d.body, &root); err != nil || len(root.Content) == 0 {
			continue
		}
		for _, img := range res.Images {
			for _, o := range img.Origins {
				c := rewriteOne(ed, d, root.Content[0], img.Ref, o, m)
				if c != nil {
					changes = append(changes, *c)
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	// Server images cass-operator derives need the whole stream (the
	// ImageConfig and the datacenter are apart): report them.
	if all, err := discover.Scan(manifest, ""); err == nil {
		for _, img := range all.Images {
			for _, o := range img.Origins {
				if strings.HasPrefix(o.Via, "derived by") && !underDestination(img.Ref, m) {
					target, _ := m.Map(img.Ref)
					changes = append(changes, Change{Origin: o, From: img.Ref, To: target,
						Skipped: "derived by the operator, not written in the manifest; set serverImage"})
				}
			}
		}
	}
	return ed.bytes(), changes, nil
}

// underDestination reports whether r is already under the mapping's
// registry and prefix.
func underDestination(r reference.Reference, m reference.Mapping) bool {
	if r.Registry != m.Registry {
		return false
	}
	return m.Prefix == "" || strings.HasPrefix(r.Repository, m.Prefix+"/")
}

// rewriteOne rewrites the image found at one origin of one document.
func rewriteOne(ed *editor, d streamDoc, root *yaml.Node, ref reference.Reference, o discover.Origin, m reference.Mapping) *Change {
	if underDestination(ref, m) {
		return nil
	}
	target, err := m.Map(ref)
	if err != nil {
		return &Change{Origin: o, From: ref, Skipped: err.Error()}
	}
	c := &Change{Origin: o, From: ref, To: target}
	switch {
	case strings.HasPrefix(o.Via, "derived by"):
		return nil // reported from the whole stream
	case strings.Contains(o.Via, "with registry/namespace overrides"):
		c.Skipped = "the operator applies its ImageConfig imageRegistry to it; set that instead"
		return c
	case strings.HasPrefix(o.Via, "declared"):
		return nil
	}
	n, lineOff, ok := locate(root, parsePath(o.Path))
	if !ok {
		c.Skipped = "not found at " + o.Path
		return c
	}
	line := d.line + n.Line - 1 + lineOff
	c.Line = line
	if n.Kind == yaml.MappingNode {
		if reason := rewriteObject(ed, d, n, lineOff, target, m); reason != "" {
			c.Skipped = reason
		}
		return c
	}
	tok, ok := token(n.Value, ref)
	if !ok {
		c.Skipped = "the reference is not written out at " + o.Path
		return c
	}
	_, suffix := written(tok)
	if !ed.replace(line, strings.Count(n.Value, "\n")+1, tok, target.Name()+suffix) {
		c.Skipped = "the reference is not written out on line " + fmt.Sprint(line)
	}
	return c
}

// token finds how ref is written in a scalar: the whole value, or one word
// of it (args, a shell command, --flag=value).
func token(value string, ref reference.Reference) (string, bool) {
	want := ref.String()
	if v := strings.TrimSpace(value); v != "" {
		if r, err := reference.Parse(v); err == nil && r.String() == want {
			return v, true
		}
	}
	words := strings.FieldsFunc(value, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '=' || r == '"' || r == '\'' || r == ',' || r == '[' || r == ']'
	})
	for _, w := range words {
		if r, err := reference.Parse(w); err == nil && r.String() == want {
			return w, true
		}
	}
	return "", false
}

// rewriteObject rewrites an image object {registry, repository, name|image}:
// a registry gets the destination host and the repository the rest of the
// target path, or the repository gets it all when there is no registry;
// tag and digest stay.
func rewriteObject(ed *editor, d streamDoc, n *yaml.Node, lineOff int, target reference.Reference, m reference.Mapping) string {
	field := func(k string) *yaml.Node {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				return n.Content[i+1]
			}
		}
		return nil
	}
	reg, repo := field("registry"), field("repository")
	name := field("name")
	if name == nil {
		name = field("image")
	}
	rest := target.Name()
	if name != nil && name.Value != "" {
		var ok bool
		if rest, ok = strings.CutSuffix(rest, "/"+strings.Trim(name.Value, "/")); !ok {
			return "the image name does not end the target path"
		}
	}
	hasReg := reg != nil && reg.Value != ""
	if hasReg {
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, m.Registry), "/")
	}
	if repo == nil && rest != "" || repo != nil && repo.Value == "" && rest != "" {
		return "the image object has no repository to hold the target path"
	}
	if hasReg && !ed.replace(d.line+reg.Line-1+lineOff, 1, reg.Value, m.Registry) {
		return "the registry is not written out"
	}
	if repo != nil && repo.Value != rest && !ed.replace(d.line+repo.Line-1+lineOff, 1, repo.Value, rest) {
		return "the repository is not written out"
	}
	return ""
}
