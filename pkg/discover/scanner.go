package discover

import (
	"errors"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/internal/yamlstream"
	"github.com/airlift-cli/airlift/pkg/catalog"
)

// maxEmbedDepth bounds how deep documents inside ConfigMap data are
// followed (a ConfigMap in a ConfigMap in a ConfigMap...).
const maxEmbedDepth = 3

// Scanner accumulates findings over one or more inputs. The zero value is
// not usable; call NewScanner. A Scanner is not safe for concurrent use.
type Scanner struct {
	images       imageSet
	declared     imageSet
	warnings     []Warning
	configs      []*imageConfig
	servers      []serverRequest
	configsFound []ImageConfig
	layers       map[string]string // Via of layered K8ssandraCluster settings, by layerKey

	catalog    *catalog.Catalog
	groups     map[string]bool // API groups of the catalog's operators
	operators  []operatorUse
	resources  []resource
	configKeys map[string]string // keys of ConfigMap and Secret data, and their values
}

// NewScanner returns an empty Scanner. It reports the images operators
// pull by default from catalog.Default() unless an option says otherwise.
func NewScanner(opts ...Option) *Scanner {
	s := &Scanner{images: imageSet{}, declared: imageSet{}, catalog: catalog.Default(), configKeys: map[string]string{}}
	for _, o := range opts {
		o(s)
	}
	s.groups = map[string]bool{}
	if s.catalog != nil {
		for _, op := range s.catalog.Operators {
			for _, g := range op.Groups {
				s.groups[g] = true
			}
		}
	}
	return s
}

// Scan is a convenience for scanning a single stream.
func Scan(data []byte, file string) (*Result, error) {
	s := NewScanner()
	err := s.Add(data, file)
	return s.Result(), err
}

// Add scans a YAML or JSON stream. file names the input in origins when a
// document has no "# Source:" comment. Documents that are not valid YAML are
// skipped and reported in the returned error (a join of *SyntaxError); the
// other documents are scanned all the same.
func (s *Scanner) Add(data []byte, file string) error {
	var errs []error
	stack := make([]Step, 0, 32) // reused: the walk pushes and pops steps
	for i, d := range yamlstream.Split(data) {
		var n yaml.Node
		err := yaml.Unmarshal(d.Body, &n)
		if err == nil {
			err = yamlstream.CheckAliases(&n)
		}
		if err != nil {
			errs = append(errs, newSyntaxError(firstNonEmpty(d.Source, file), d, err))
			continue
		}
		if len(n.Content) == 0 {
			continue
		}
		o := Origin{File: firstNonEmpty(d.Source, file)}
		w := walker{s: s, steps: append(stack[:0], documentStep(i)), off: d.Line - 1}
		switch root := resolve(n.Content[0]); root.Kind {
		case yaml.MappingNode:
			w.object(root, o)
		case yaml.SequenceNode:
			for j, item := range root.Content {
				if item = resolve(item); item.Kind == yaml.MappingNode {
					w.push(indexStep(j))
					w.object(item, o)
					w.pop(1)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// Result resolves what depends on the whole input (server images an
// operator derives from its ImageConfig) and returns the findings so far.
func (s *Scanner) Result() *Result {
	images := imageSet{}
	for k, v := range s.images {
		cp := *v
		cp.Origins = append([]Origin(nil), v.Origins...)
		images[k] = &cp
	}
	warnings := append([]Warning(nil), s.warnings...)
	repos, from := s.serverRepositories()
	for _, req := range s.servers {
		warnings = req.resolve(s.configs, images, warnings, repos, from)
	}
	s.applyLayers(images)
	notes := s.operatorDefaults(images, nil)
	return &Result{Images: images.sorted(), Declared: s.declared.sorted(), Warnings: warnings, Notes: notes,
		ImageConfigs: append([]ImageConfig(nil), s.configsFound...)}
}

func (s *Scanner) warn(value, msg string, o Origin) {
	s.warnings = append(s.warnings, Warning{Value: value, Message: msg, Origin: o})
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

// resolve follows YAML aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// get returns the value of key in a mapping node, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return resolve(m.Content[i+1])
		}
	}
	return nil
}

// str returns the string value of a scalar node, or "".
func str(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// path walks nested keys.
func path(m *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		m = get(m, k)
	}
	return m
}

// isString reports whether n is a scalar written as (or resolving to) a string.
func isString(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.Tag == "")
}

// objectOrigin fills the object identity of o from a Kubernetes object.
func objectOrigin(m *yaml.Node, o Origin) Origin {
	o.APIVersion = str(get(m, "apiVersion"))
	o.Kind = str(get(m, "kind"))
	o.Name = str(path(m, "metadata", "name"))
	if o.Name == "" {
		o.Name = str(path(m, "metadata", "generateName"))
	}
	o.Namespace = str(path(m, "metadata", "namespace"))
	return o
}

func apiGroup(apiVersion string) string {
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return ""
	}
	return g
}
