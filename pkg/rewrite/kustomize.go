package rewrite

import (
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/internal/yamlstream"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// Component is a kustomize Component (kustomize.config.k8s.io/v1alpha1)
// that moves the images of a kustomize build's output to the mirror:
// [Kustomize] makes it.
type Component struct {
	// Images are the entries of its images: list, for the container images
	// of built-in workloads, which kustomize's image transformer moves.
	Images []ImageEntry
	// Patches are JSON 6902 patches for the rest: ConfigMap data (a
	// cass-operator ImageConfig), fields of custom resources, container
	// args and env, settings added to operators.
	Patches []Patch
	// Changes are those of Rewrite on the same input: what moves, how, and
	// what cannot.
	Changes []Change
	// Note says why the images: list was left out, when it was: every
	// image is patched instead.
	Note string
}

// ImageEntry is one entry of a kustomization's images: list.
type ImageEntry struct {
	Name    string `json:"name"`
	NewName string `json:"newName"`
}

// Patch is a JSON 6902 patch of one object.
type Patch struct {
	Target Target `json:"target"`
	Ops    []Op   `json:"-"`
}

// Target selects the object a patch applies to.
type Target struct {
	Group     string `json:"group,omitempty"`
	Version   string `json:"version,omitempty"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// Op is a JSON 6902 operation.
type Op struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// workloads are the kinds whose container images kustomize's image
// transformer moves (its default field specs: pod specs of built-in
// workloads).
var workloads = map[string]bool{"Pod": true, "Deployment": true, "StatefulSet": true, "DaemonSet": true,
	"ReplicaSet": true, "ReplicationController": true, "Job": true, "CronJob": true}

var containerImage = regexp.MustCompile(`(^|\.)(containers|initContainers)\[\d+\]\.image$`)

// Kustomize makes the Component that relocates manifest, the output of a
// kustomize build, to m: the same changes as Rewrite, the container images
// of built-in workloads as images: entries (matched by the name as written,
// so that they also move in overlays that change tags), every other change
// as a patch of the object it is in, replacing the smallest value that
// changed (an image field, an image object, a ConfigMap entry, an arg, an
// env list an operator setting was added to). Objects without a name
// cannot be selected and are an error.
func Kustomize(manifest []byte, m reference.Mapping) (*Component, error) {
	out, changes, err := Rewrite(manifest, m)
	if err != nil {
		return nil, err
	}
	c := &Component{Changes: changes}
	before, after := yamlstream.Split(manifest), yamlstream.Split(out)
	if len(before) != len(after) {
		return nil, fmt.Errorf("kustomize: the rewrite changed the number of documents (%d, %d)", len(before), len(after))
	}
	if obj := volumesOfStrings(before); obj != "" {
		// kustomize 5.6+ image transformer's field spec
		// spec/volumes[]/image/reference (image volumes,
		// kubernetes-sigs/kustomize#5921) fails on such an object
		// ("expected sequence or mapping node"): leave images: out.
		c.Note = obj + " lists volumes as strings (a PodSecurityPolicy), which kustomize's image transformer cannot traverse " +
			"since it looks for image volumes: no images: list, every image is patched"
	}
	in := newStream(manifest)
	byImages := map[string]bool{} // doc + pointer of the values images: moves
	names := map[string]string{}  // images: entries, name -> newName
	for _, ch := range changes {
		o := ch.Origin
		if c.Note != "" || ch.Skipped != "" || ch.Knob != "" || o.Form != discover.Written || !workloads[o.Kind] || !containerImage.MatchString(o.Path) {
			continue
		}
		doc, ptr, ok := pointer(o.At)
		if !ok {
			continue
		}
		pl, ok := in.find(o.At)
		if !ok || pl.n.Kind != yaml.ScalarNode {
			continue
		}
		name := imageName(strings.TrimSpace(pl.n.Value))
		if prev, ok := names[name]; ok && prev != ch.To.Name() {
			continue // one name, two targets: left to patches
		}
		names[name] = ch.To.Name()
		byImages[fmt.Sprint(doc)+ptr] = true
	}
	for name, newName := range names {
		c.Images = append(c.Images, ImageEntry{Name: name, NewName: newName})
	}
	slices.SortFunc(c.Images, func(a, b ImageEntry) int { return cmp.Compare(a.Name, b.Name) })
	for i := range before {
		if string(before[i].Body) == string(after[i].Body) {
			continue
		}
		var a, b any
		if err := yaml.Unmarshal(before[i].Body, &a); err != nil {
			return nil, fmt.Errorf("kustomize: document %d: %w", i, err)
		}
		if err := yaml.Unmarshal(after[i].Body, &b); err != nil {
			return nil, fmt.Errorf("kustomize: document %d after the rewrite: %w", i, err)
		}
		var ops []Op
		diff(a, b, "", func(ptr string) bool { return byImages[fmt.Sprint(i)+ptr] }, &ops)
		if len(ops) == 0 {
			continue
		}
		t, err := target(b)
		if err != nil {
			return nil, fmt.Errorf("kustomize: document %d (line %d): %w", i, before[i].Line, err)
		}
		c.Patches = append(c.Patches, Patch{Target: t, Ops: ops})
	}
	return c, nil
}

// volumesOfStrings names the first object whose spec.volumes (or that of
// its pod template) holds an item that is not a mapping, or returns "".
func volumesOfStrings(docs []yamlstream.Document) string {
	for _, d := range docs {
		var obj struct {
			Kind     string
			Metadata struct{ Name string }
			Spec     struct {
				Volumes  []any
				Template struct {
					Spec struct{ Volumes []any }
				}
			}
		}
		if yaml.Unmarshal(d.Body, &obj) != nil {
			continue
		}
		for _, v := range append(obj.Spec.Volumes, obj.Spec.Template.Spec.Volumes...) {
			if _, ok := v.(map[string]any); !ok {
				return obj.Kind + "/" + obj.Metadata.Name
			}
		}
	}
	return ""
}

// pointer returns the document and the JSON pointer of a position that
// steps through keys and indexes only.
func pointer(p discover.Position) (int, string, bool) {
	steps := p.Steps()
	if len(steps) == 0 || steps[0].Kind != discover.DocumentStep {
		return 0, "", false
	}
	var b strings.Builder
	for _, s := range steps[1:] {
		switch s.Kind {
		case discover.KeyStep:
			b.WriteString("/" + escapePointer(s.Key))
		case discover.IndexStep:
			b.WriteString("/" + strconv.Itoa(s.Index))
		default:
			return 0, "", false
		}
	}
	return steps[0].Index, b.String(), true
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// imageName is the name of a reference as kustomize's image transformer
// matches it: what precedes the tag and the digest.
func imageName(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}

// diff appends the operations that turn a into b: replace for values that
// differ (lists of another length whole), add for keys only b has. skip
// says which pointers the images: list moves.
func diff(a, b any, ptr string, skip func(string) bool, ops *[]Op) {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(bv))
		for k := range bv {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := ptr + "/" + escapePointer(k)
			if old, ok := av[k]; ok {
				diff(old, bv[k], p, skip, ops)
			} else {
				*ops = append(*ops, Op{Op: "add", Path: p, Value: bv[k]})
			}
		}
		return
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			break
		}
		for i := range av {
			diff(av[i], bv[i], ptr+"/"+strconv.Itoa(i), skip, ops)
		}
		return
	}
	if equal(a, b) || skip(ptr) {
		return
	}
	*ops = append(*ops, Op{Op: "replace", Path: ptr, Value: b})
}

func equal(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// target is the selector of the object obj.
func target(obj any) (Target, error) {
	m, _ := obj.(map[string]any)
	s := func(v any) string { x, _ := v.(string); return x }
	meta, _ := m["metadata"].(map[string]any)
	t := Target{Kind: s(m["kind"]), Name: s(meta["name"]), Namespace: s(meta["namespace"])}
	if t.Kind == "" || t.Name == "" {
		return Target{}, fmt.Errorf("an object without kind or metadata.name cannot be patched")
	}
	t.Version = s(m["apiVersion"])
	if g, v, ok := strings.Cut(t.Version, "/"); ok {
		t.Group, t.Version = g, v
	}
	return t, nil
}
