package discover

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/internal/yamlstream"
)

// configMap scans ConfigMap data: a key named like an image holds one; a
// value that is itself a YAML or JSON document (an operator's config file,
// a pod template, a values blob) is scanned like any object, its path
// continuing under data["key"]; any other text (a template, a script, a
// TOML, ini or properties file, a version map) is scanned line by line.
func (w *walker) configMap(m *yaml.Node) {
	w.stringData(get(m, "data"), "data", false)
}

// secret scans a Secret's stringData as ConfigMap data is scanned, and its
// data too, once decoded from base64 (a DecodeStep leads into the text).
func (w *walker) secret(m *yaml.Node) {
	w.stringData(get(m, "stringData"), "stringData", false)
	w.stringData(get(m, "data"), "data", true)
}

// stringData scans a map of file names to texts held by field; with
// encoded, the texts are base64, as a Secret's data.
func (w *walker) stringData(data *yaml.Node, field string, encoded bool) {
	if data == nil || data.Kind != yaml.MappingNode {
		return
	}
	w.push(keyStep(field))
	defer w.pop(1)
	for i := 0; i+1 < len(data.Content); i += 2 {
		key, v := data.Content[i].Value, resolve(data.Content[i+1])
		if !isString(v) {
			continue
		}
		w.push(keyStep(key))
		if !encoded {
			w.dataValue(key, v)
		} else if d, ok := yamlstream.Decoded(v); ok {
			w.push(decodeStep())
			w.dataValue(key, d)
			w.pop(1)
		}
		w.pop(1)
	}
}

// dataValue scans the value v of key in ConfigMap or Secret data.
func (w *walker) dataValue(key string, v *yaml.Node) {
	val := strings.TrimSpace(v.Value)
	if w.depth == 0 {
		w.s.configKeys[key] = val
	}
	multiline := strings.Contains(val, "\n")
	switch {
	case val == "" || hasTemplate(val) && !multiline:
	case !multiline && (IsImageField(key) || imageVar(key) || unmistakable(val)):
		w.candidate(val, v, Written, "")
	case !multiline && versionEntry(val):
		w.text(v, "")
	case w.depth < maxEmbedDepth && (mayHoldImages(val) || hasRefToken(val)):
		if !w.embedded(v) {
			w.text(v, "")
		}
	}
}

// embedded scans the YAML or JSON documents of the string value v; the
// steps go on into each with a DocumentStep. It reports whether v is YAML
// holding a mapping or a list at all: a text that is not YAML (a script, a
// template, a TOML file) is left to the caller.
func (w *walker) embedded(v *yaml.Node) bool {
	docs, err := yamlstream.EmbeddedDocs(v.Value)
	if err != nil {
		return false
	}
	found := false
	for i, root := range docs {
		root = resolve(root)
		if root.Kind != yaml.MappingNode && root.Kind != yaml.SequenceNode {
			continue
		}
		found = true
		sub := walker{s: w.s, o: w.o, steps: append(slices.Clip(w.steps), documentStep(i)),
			base: w.base, off: w.off + yamlstream.EmbeddedOffset(v), depth: w.depth + 1}
		if root.Kind == yaml.MappingNode {
			sub.dispatch(root)
		} else {
			sub.walk(root)
		}
	}
	return found
}

// hasRefToken is a cheap test run before parsing a value without an image
// key: it looks for a word shaped like a reference with a path and a tag
// or digest (host.io/org/app:1, org/app:1 after '=' or ": ").
func hasRefToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '/' {
			continue
		}
		start := i
		for start > 0 && !refStop(s[start-1]) {
			start--
		}
		end := i
		for end < len(s) && !refStop(s[end]) {
			end++
		}
		if tok := s[start:end]; !strings.Contains(tok, "//") && refShaped(tok) {
			return true
		}
		i = end
	}
	return false
}

// refStop reports whether b ends a word that may be a reference.
func refStop(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '"' || b == '\'' || b == '=' || b == ',' ||
		b == '(' || b == ')' || b == '[' || b == ']' || b == '{' || b == '}' || b == '<' || b == '>' || b == '`' || b == '|'
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
