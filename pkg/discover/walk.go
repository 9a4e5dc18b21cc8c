package discover

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// walker walks one object. Its origin is the object the walk started from;
// for documents embedded in ConfigMap data it stays the ConfigMap, and the
// path continues into the embedded document.
type walker struct {
	s     *Scanner
	o     Origin
	steps []Step // from the stream to the current node
	base  int    // steps[base:] lead from the object: Origin.Path
	off   int    // what to add to a node's line to get its line in the stream
	depth int    // how many ConfigMap embeddings deep
}

// object scans a top-level object of a stream.
func (w walker) object(m *yaml.Node, o Origin) {
	w.o = objectOrigin(m, o)
	w.base = len(w.steps)
	w.dispatch(m)
}

func (w *walker) push(s ...Step) { w.steps = append(w.steps, s...) }

func (w *walker) pop(n int) { w.steps = w.steps[:len(w.steps)-n] }

// origin returns the origin of the node n at the current steps. Paths are
// formatted and steps encoded only here, when something is found.
func (w *walker) origin(n *yaml.Node) Origin {
	o := w.o
	o.Path = formatPath(w.steps[w.base:])
	o.At = Position{steps: encodeSteps(w.steps)}
	if n != nil {
		o.At.Line = n.Line + w.off
	}
	return o
}

// dispatch scans an object according to its kind.
func (w *walker) dispatch(m *yaml.Node) {
	apiVersion, kind := str(get(m, "apiVersion")), str(get(m, "kind"))
	switch {
	case kind == "CustomResourceDefinition" || kind == "Secret":
		// Schemas and opaque data: no images, and CRDs are large.
		return
	case kind == "ConfigMap" && apiVersion == "v1":
		w.configMap(m)
		return
	case kind == "ImageConfig" && apiGroup(apiVersion) == "config.k8ssandra.io":
		w.imageConfig(m)
		return
	case strings.HasSuffix(kind, "List"):
		if items := get(m, "items"); items != nil && items.Kind == yaml.SequenceNode {
			w.list(items)
			return
		}
	case kind == "CassandraDatacenter":
		w.cassandraDatacenter(m)
	case kind == "K8ssandraCluster":
		w.k8ssandraCluster(m)
	}
	w.walk(m)
}

// list scans the items of a v1 List (kubectl get -o yaml).
func (w *walker) list(items *yaml.Node) {
	for i, item := range items.Content {
		item = resolve(item)
		if item.Kind != yaml.MappingNode {
			continue
		}
		w.push(keyStep("items"), indexStep(i))
		if w.depth == 0 {
			w.object(item, Origin{File: w.o.File})
		} else {
			w.dispatch(item)
		}
		w.pop(2)
	}
}

// walk visits every field under n.
func (w *walker) walk(n *yaml.Node) {
	switch n = resolve(n); n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			w.push(keyStep(key))
			w.field(key, resolve(n.Content[i+1]))
			w.pop(1)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			w.push(indexStep(i))
			w.walk(c)
			w.pop(1)
		}
	}
}

// field looks at one field of a mapping; w.steps already end with key.
func (w *walker) field(key string, v *yaml.Node) {
	if v == nil {
		return
	}
	switch {
	case IsImageField(key):
		switch v.Kind {
		case yaml.ScalarNode:
			if isString(v) {
				w.candidate(v.Value, v, Written, "")
			}
			return
		case yaml.MappingNode:
			if w.imageObject(v) {
				return
			}
		}
	case key == "args" || key == "command":
		switch {
		case v.Kind == yaml.SequenceNode:
			w.args(v)
			return
		case isString(v):
			w.argTokens(strings.Fields(v.Value), new(string), v)
			return
		}
	case key == "env" && v.Kind == yaml.SequenceNode:
		w.env(v)
		return
	}
	w.walk(v)
}

// IsImageField reports whether a field name holds an image: "image", or a
// camel-case name ending in "Image" (serverImage, configBuilderImage).
// Package overrides traces values by the same rule, so that the values it
// finds are the ones discovery reads back from the render.
func IsImageField(k string) bool {
	return k == "image" || strings.HasSuffix(k, "Image")
}

// candidate records value, held by node n at the current steps, as an
// image found there, or a warning when it does not parse. Empty values are
// not images.
func (w *walker) candidate(value string, n *yaml.Node, form Form, via string) {
	v := strings.TrimSpace(value)
	if v == "" {
		return
	}
	o := w.origin(n)
	o.Form = form
	o.Via = via
	ref, err := reference.Parse(v)
	if err != nil {
		w.s.warn(value, err.Error(), o)
		return
	}
	w.s.images.add(ref, o)
}

// imageObject handles an image written as an object: {registry,
// repository, name|image, tag, digest|sha} as in Helm values and
// K8ssandraCluster, or {reference} as in Kubernetes image volumes. It
// reports false when m is not such an object. The origin is the object's.
func (w *walker) imageObject(m *yaml.Node) bool {
	if ref := get(m, "reference"); isString(ref) {
		w.candidate(ref.Value, m, ImageObject, "")
		return true
	}
	fields := map[string]string{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i].Value, resolve(m.Content[i+1])
		switch k {
		case "registry", "repository", "name", "image", "tag", "digest", "sha":
			if v.Kind != yaml.ScalarNode {
				return false // a schema or some other structure, not an image
			}
			if v.Tag != "!!null" {
				fields[k] = strings.TrimSpace(v.Value)
			}
		}
	}
	name := firstNonEmpty(fields["name"], fields["image"])
	if fields["repository"] == "" && name == "" {
		return false
	}
	o := w.origin(m)
	o.Form = ImageObject
	operator := strings.HasSuffix(apiGroup(o.APIVersion), "k8ssandra.io")
	if operator && fields["name"] == "" {
		w.s.warn(o.Path, "image object has no name: the operator completes it from its own defaults, which depend on its version; set name and tag", o)
		return true
	}
	var parts []string
	for _, p := range []string{fields["registry"], fields["repository"], name} {
		if p = strings.Trim(p, "/"); p != "" {
			parts = append(parts, p)
		}
	}
	s := strings.Join(parts, "/")
	if t := fields["tag"]; t != "" {
		s += ":" + t
	}
	digest := firstNonEmpty(fields["digest"], fields["sha"])
	if digest != "" {
		if !strings.Contains(digest, ":") {
			digest = "sha256:" + digest
		}
		s += "@" + digest
	}
	if operator && fields["tag"] == "" && digest == "" {
		w.s.warn(o.Path, "image object has no tag: the operator fills in its own default tag; \"latest\" is assumed here", o)
	}
	w.candidate(s, m, ImageObject, "image object")
	return true
}
