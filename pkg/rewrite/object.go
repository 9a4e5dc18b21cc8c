package rewrite

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// rewriteObject rewrites an image object {registry, repository, name|image}
// whose lines are off from the stream's: a registry gets the destination
// host and the repository the rest of the target path, or the repository
// gets it all when there is no registry; tag and digest stay. With
// addRegistry (a cass-operator ImageConfig v1beta2 image, whose registry
// defaults.registry fills when it has none), an object without a registry
// gets one, on a line added before its first field: it reports the lines
// added. It returns why it could not, or "".
func rewriteObject(ed *editor, n *yaml.Node, off int, target reference.Reference, m reference.Mapping, addRegistry bool) (string, int) {
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
			return "the image name does not end the target path", 0
		}
	}
	hasReg := reg != nil && reg.Value != ""
	addReg := addRegistry && !hasReg
	if addReg && (reg != nil || !blockMapping(n)) {
		return "the ImageConfig image has no registry to hold the mirror's, and none can be added (flow style)", 0
	}
	if hasReg || addReg {
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, m.Registry), "/")
	}
	if repo == nil && rest != "" || repo != nil && repo.Value == "" && rest != "" {
		return "the image object has no repository to hold the target path", 0
	}
	if hasReg && !ed.replace(reg.Line+off, 1, reg.Value, m.Registry) {
		return "the registry is not written out", 0
	}
	if repo != nil && repo.Value != rest && !ed.replace(repo.Line+off, 1, repo.Value, rest) {
		return "the repository is not written out", 0
	}
	if !addReg {
		return "", 0
	}
	first := n.Content[0].Line + off
	indent, ok := indentOf(ed, first)
	if !ok {
		return "the ImageConfig image is not found", 0
	}
	ed.insert(first, indent+"registry: "+strconv.Quote(m.Registry)+"\n")
	return "", 1
}
