package rewrite

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// rewriteObject rewrites an image object {registry, repository, name|image}
// whose lines are off from the stream's: a registry gets the destination
// host and the repository the rest of the target path, or the repository
// gets it all when there is no registry; tag and digest stay. It returns why
// it could not, or "".
func rewriteObject(ed *editor, n *yaml.Node, off int, target reference.Reference, m reference.Mapping) string {
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
	if hasReg && !ed.replace(reg.Line+off, 1, reg.Value, m.Registry) {
		return "the registry is not written out"
	}
	if repo != nil && repo.Value != rest && !ed.replace(repo.Line+off, 1, repo.Value, rest) {
		return "the repository is not written out"
	}
	return ""
}
