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
	steps []Step  // from the stream to the current node
	base  int     // steps[base:] lead from the object: Origin.Path
	off   int     // what to add to a node's line to get its line in the stream
	depth int     // how many ConfigMap embeddings deep
	maps  []frame // the mappings from the root of the document to the current node
}

// frame is a mapping on the way to the current node, and how many steps
// lead to it.
type frame struct {
	m     *yaml.Node
	steps int
}

// object scans a top-level object of a stream.
func (w walker) object(m *yaml.Node, o Origin) {
	w.o = objectOrigin(m, o)
	w.base = len(w.steps)
	w.noteResource(m)
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
	case kind == "CustomResourceDefinition":
		// Schemas: no images, and CRDs are large.
		return
	case kind == "ConfigMap" && apiVersion == "v1":
		w.configMap(m)
		return
	case kind == "Secret" && apiVersion == "v1":
		w.secret(m)
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
		w.k8ssandraLayers(m)
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
		if w.depth > 0 && looseImageObject(n) && w.imageObject(n) {
			return
		}
		w.maps = append(w.maps, frame{n, len(w.steps)})
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			w.push(keyStep(key))
			w.field(key, resolve(n.Content[i+1]))
			w.pop(1)
		}
		w.maps = w.maps[:len(w.maps)-1]
	case yaml.SequenceNode:
		for i, c := range n.Content {
			w.push(indexStep(i))
			if c = resolve(c); c.Kind == yaml.ScalarNode {
				w.scalar(c)
			} else {
				w.walk(c)
			}
			w.pop(1)
		}
	}
}

// scalar looks at a string value that is not in an image field, in a
// document held by a string value (a config file, a values blob): text is
// scanned line by line, and a value that is unmistakably an image (or, in a
// map of versions, shaped like one) is an image.
func (w *walker) scalar(v *yaml.Node) {
	if w.depth == 0 || !isString(v) {
		return
	}
	s := strings.TrimSpace(v.Value)
	switch {
	case strings.Contains(s, "\n"):
		w.text(v, "")
	case w.inVersionMap() && refShaped(s):
		o := w.origin(v)
		o.Form, o.Via, o.Version = Written, "reference-shaped value", w.steps[len(w.steps)-1].Key
		w.record(v.Value, o)
	case unmistakable(s):
		w.candidate(v.Value, v, Written, "reference-shaped value")
	}
}

// inVersionMap reports whether the current node is a value of a map whose
// values are all references with a path and a tag ({"4.2.0": "org/kafka:4.2.0"}).
func (w *walker) inVersionMap() bool {
	if len(w.maps) == 0 || len(w.steps) == 0 || w.steps[len(w.steps)-1].Kind != KeyStep {
		return false
	}
	m := w.maps[len(w.maps)-1].m
	for i := 1; i < len(m.Content); i += 2 {
		if v := resolve(m.Content[i]); !isString(v) || !refShaped(strings.TrimSpace(v.Value)) {
			return false
		}
	}
	return true
}

// field looks at one field of a mapping; w.steps already end with key.
func (w *walker) field(key string, v *yaml.Node) {
	if v == nil {
		return
	}
	if (key == "containers" || key == "initContainers") && v.Kind == yaml.SequenceNode && w.depth == 0 && w.s.catalog != nil {
		for i, c := range v.Content {
			if c = resolve(c); c.Kind == yaml.MappingNode {
				w.push(indexStep(i))
				w.container(c)
				w.pop(1)
			}
		}
	}
	switch {
	case IsImageField(key):
		switch v.Kind {
		case yaml.ScalarNode:
			if !isString(v) {
				return
			}
			if w.depth > 0 && key == "image" && bareName(strings.TrimSpace(v.Value)) && !w.inContainer() {
				w.composed(v)
				return
			}
			if hasTemplate(v.Value) || w.depth > 0 && strings.ContainsAny(strings.TrimSpace(v.Value), " \t") {
				return // a template action, or prose in a document
			}
			w.candidate(v.Value, v, Written, "")
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
	case v.Kind == yaml.ScalarNode:
		w.scalar(v)
		return
	}
	w.walk(v)
}

// looseImageObject reports whether m, in a document held by a string value
// and under a key that does not name an image, is an image object all the
// same: only image-object keys, a repository (or a registry and a name)
// and a tag or digest (cass-operator's images.<name> objects).
func looseImageObject(m *yaml.Node) bool {
	var repo, reg, name, version bool
	for i := 0; i+1 < len(m.Content); i += 2 {
		switch m.Content[i].Value {
		case "repository":
			repo = true
		case "registry":
			reg = true
		case "name", "image":
			name = true
		case "tag", "digest", "sha":
			version = true
		case "pullPolicy", "pullSecret", "suffix", "prefix":
		default:
			return false
		}
	}
	return version && (repo || reg && name)
}

// IsImageField reports whether a field name holds an image: "image", a
// camel-case name ending in "Image" (serverImage, configBuilderImage), or
// a snake- or kebab-case one ending in "_image" or "-image" (Zalando
// postgres-operator's OperatorConfiguration: docker_image,
// logical_backup_docker_image, connection_pooler_image). Package overrides
// traces values by the same rule, so that the values it finds are the ones
// discovery reads back from the render.
func IsImageField(k string) bool {
	return k == "image" || strings.HasSuffix(k, "Image") || strings.HasSuffix(k, "_image") || strings.HasSuffix(k, "-image")
}

// candidate records value, held by node n at the current steps, as an
// image found there, or a warning when it does not parse. Empty values are
// not images.
func (w *walker) candidate(value string, n *yaml.Node, form Form, via string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	o := w.origin(n)
	o.Form = form
	o.Via = via
	w.record(value, o)
}

// record records value as an image found at o, or a warning when it does
// not parse.
func (w *walker) record(value string, o Origin) {
	v := strings.TrimSpace(value)
	if v == "" {
		return
	}
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
