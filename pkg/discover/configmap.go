package discover

import (
	"strings"

	"go.yaml.in/yaml/v3"
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
	w.p.pushKey("data")
	defer w.p.pop()
	for i := 0; i+1 < len(data.Content); i += 2 {
		key, v := data.Content[i].Value, resolve(data.Content[i+1])
		if !isString(v) {
			continue
		}
		w.p.pushKey(key)
		val := strings.TrimSpace(v.Value)
		switch {
		case val == "":
		case !strings.Contains(val, "\n") && (IsImageField(key) || imageVar(key) || unmistakable(val)):
			w.candidate(val, "")
		case w.depth < maxEmbedDepth && mayHoldImages(val):
			w.embedded(val)
		}
		w.p.pop()
	}
}

// embedded scans the YAML or JSON documents of a ConfigMap value. Values
// that are not YAML (scripts, properties files) are left alone silently:
// they are not wrong, just not structured.
func (w *walker) embedded(text string) {
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil || len(n.Content) == 0 {
			return
		}
		root := resolve(n.Content[0])
		if root.Kind != yaml.MappingNode && root.Kind != yaml.SequenceNode {
			continue
		}
		sub := walker{s: w.s, o: w.o, p: append(fieldPath(nil), w.p...), depth: w.depth + 1}
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
