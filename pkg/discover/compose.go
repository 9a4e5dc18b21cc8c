package discover

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Keys that hold the parts of a composed reference in a values blob.
var (
	hubKeys = []string{"hub", "registry", "imageRegistry"}
	tagKeys = []string{"tag"}
)

// inContainer reports whether the image field at the current steps belongs
// to a container: its mapping has a name, or is an item of a containers
// list.
func (w *walker) inContainer() bool {
	if len(w.maps) == 0 {
		return false
	}
	if get(w.maps[len(w.maps)-1].m, "name") != nil {
		return true
	}
	if n := len(w.steps); n >= 3 && w.steps[n-2].Kind == IndexStep {
		switch w.steps[n-3].Key {
		case "containers", "initContainers", "ephemeralContainers":
			return true
		}
	}
	return false
}

// composed handles a bare image name (proxyv2) under an image key of a
// values blob that is not a container: the consumer composes the image from
// a registry (hub) and a tag found at the same level, an enclosing one, or
// under the blob's global (Helm's convention): hub/name:tag, with Istio's
// variant suffix (tag-distroless). Without both parts the name is not an
// image by itself and nothing is reported.
func (w *walker) composed(name *yaml.Node) {
	hub, hubSteps := w.part(hubKeys)
	tag, _ := w.part(tagKeys)
	if hub == nil || tag == nil {
		return
	}
	t := strings.TrimSpace(tag.Value)
	if variant, _ := w.part([]string{"variant"}); variant != nil {
		if v := strings.TrimSpace(variant.Value); v != "" && v != "default" && !strings.HasSuffix(t, "-"+v) {
			t += "-" + v
		}
	}
	w.recordComposed(w.origin(name), Position{Line: hub.Line + w.off, steps: encodeSteps(hubSteps)},
		inDocument(hubSteps)+" + "+inDocument(w.steps)+" + tag "+t,
		strings.TrimRight(strings.TrimSpace(hub.Value), "/")+"/"+strings.TrimSpace(name.Value)+":"+t)
}

// recordComposed records ref, put together from parts, at o: part is
// where the registry part is written (rewritten to move the image; the
// origin itself when it holds the whole repository), via names the parts.
func (w *walker) recordComposed(o Origin, part Position, via, ref string) {
	o.Form = Composed
	o.Part = part
	o.Via = "composed: " + via
	w.record(ref, o)
}

// part finds the first non-empty literal string under one of keys in the
// mappings enclosing the current node, innermost first, then under the
// document's global mapping; it returns the node and the steps to it.
func (w *walker) part(keys []string) (*yaml.Node, []Step) {
	for i := len(w.maps) - 1; i >= 0; i-- {
		if n, k := literal(w.maps[i].m, keys); n != nil {
			return n, stepsTo(w.steps[:w.maps[i].steps], keyStep(k))
		}
	}
	if len(w.maps) == 0 {
		return nil, nil
	}
	root := w.maps[0]
	if n, k := literal(get(root.m, "global"), keys); n != nil {
		return n, stepsTo(w.steps[:root.steps], keyStep("global"), keyStep(k))
	}
	return nil, nil
}

// literal returns the first scalar of m under one of keys that is a
// non-empty literal (no template action), with its key.
func literal(m *yaml.Node, keys []string) (*yaml.Node, string) {
	for _, k := range keys {
		n := get(m, k)
		if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			continue
		}
		if v := strings.TrimSpace(n.Value); v != "" && !hasTemplate(v) && !strings.ContainsAny(v, " \t") {
			return n, k
		}
	}
	return nil, ""
}

func stepsTo(prefix []Step, more ...Step) []Step {
	out := make([]Step, 0, len(prefix)+len(more))
	return append(append(out, prefix...), more...)
}

// inDocument formats the steps after the last DocumentStep: the path in
// the innermost document.
func inDocument(steps []Step) string {
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].Kind == DocumentStep {
			return formatPath(steps[i+1:])
		}
	}
	return formatPath(steps)
}
