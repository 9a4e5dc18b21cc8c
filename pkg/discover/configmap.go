package discover

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/internal/yamlstream"
)

// configMap scans ConfigMap data: a key named like an image holds one; a
// value that is itself a YAML or JSON document (an operator's config file,
// a pod template) is scanned like any object, its path continuing under
// data["key"].
func (w *walker) configMap(m *yaml.Node) {
	data := get(m, "data")
	if data == nil || data.Kind != yaml.MappingNode {
		return
	}
	w.push(keyStep("data"))
	defer w.pop(1)
	for i := 0; i+1 < len(data.Content); i += 2 {
		key, v := data.Content[i].Value, resolve(data.Content[i+1])
		if !isString(v) {
			continue
		}
		w.push(keyStep(key))
		val := strings.TrimSpace(v.Value)
		switch {
		case val == "":
		case !strings.Contains(val, "\n") && (IsImageField(key) || imageVar(key) || unmistakable(val)):
			w.candidate(val, v, Written, "")
		case w.depth < maxEmbedDepth && mayHoldImages(val):
			w.embedded(v)
		}
		w.pop(1)
	}
}

// embedded scans the YAML or JSON documents of the ConfigMap value v; the
// steps go on into each with a DocumentStep. Values that are not YAML
// (scripts, properties files) are left alone silently: they are not wrong,
// just not structured.
func (w *walker) embedded(v *yaml.Node) {
	for i, root := range yamlstream.Embedded(v.Value) {
		root = resolve(root)
		if root.Kind != yaml.MappingNode && root.Kind != yaml.SequenceNode {
			continue
		}
		sub := walker{s: w.s, o: w.o, steps: append(slices.Clip(w.steps), documentStep(i)),
			base: w.base, off: w.off + yamlstream.EmbeddedOffset(v), depth: w.depth + 1}
		if root.Kind == yaml.MappingNode {
			sub.dispatch(root)
		} else {
			sub.walk(root)
		}
	}
}

// mayHoldImages is a cheap test run before parsing a ConfigMap value: it
// looks for a key named like an image ("image:", "Image":", "images:"), a
// container list or an ImageConfig. Large values without one (Grafana dashboards, whose
// PromQL mentions image!="") are not parsed at all.
func mayHoldImages(s string) bool {
	if strings.Contains(s, "containers") || strings.Contains(s, "ImageConfig") {
		return true
	}
	for rest := s; ; {
		i := strings.Index(rest, "mage")
		if i < 0 {
			return false
		}
		rest = rest[i+4:]
		t := strings.TrimPrefix(rest, "s")
		t = strings.TrimLeft(t, `"'`)
		t = strings.TrimLeft(t, " \t")
		if strings.HasPrefix(t, ":") {
			return true
		}
	}
}
