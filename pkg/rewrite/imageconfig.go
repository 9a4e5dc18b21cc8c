package rewrite

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// A cass-operator ImageConfig is moved by its own registry settings where
// they can express the mapping: v1beta1 imageRegistry (and imageNamespace
// for a flattened mirror), v1beta2 overrides.registry (and
// overrides.repository). Then the server images cass-operator derives
// later from a datacenter's serverVersion (repository + version + suffix,
// or a types.<type> entry) follow the mirror too, for versions not in the
// manifests yet: the version mapping keeps working, no image is pinned.
// A setting is kept only when scanning the result again shows every image
// the ImageConfig names or derives at its place in the mirror; otherwise
// the ImageConfig's images are rewritten one by one where they are written.

// knob is the ImageConfig settings to write, each a key path and a value.
type knob []knobSetting

type knobSetting struct {
	path  []string // keys from the ImageConfig's root; the last one is set
	value string
}

func (k knob) String() string {
	parts := make([]string, len(k))
	for i, s := range k {
		parts[i] = fmt.Sprintf("%s: %q", strings.Join(s.path, "."), s.value)
	}
	return strings.Join(parts, ", ")
}

// knobs returns the settings to try for an ImageConfig of version v at
// node root, the likeliest first. v1beta1 per-component registries
// (defaults.<component>.imageRegistry) are set where they are set, since
// they win over imageRegistry.
func knobs(version string, root *yaml.Node, m reference.Mapping, hosts []string) []knob {
	registries := []string{m.String()}
	switch m.Layout {
	case reference.KeepHost:
		registries = registries[:0]
		for _, h := range hosts {
			registries = append(registries, keepHost(m, h))
		}
	case reference.Flatten:
		if version == "v1beta2" {
			registries = []string{m.Registry}
		}
	}
	var out []knob
	for _, reg := range registries {
		if version == "v1beta2" {
			k := knob{{path: []string{"overrides", "registry"}, value: reg}}
			if m.Layout == reference.Flatten {
				k = append(k, knobSetting{path: []string{"overrides", "repository"}, value: m.Prefix})
			}
			out = append(out, k)
			continue
		}
		k := knob{{path: []string{"imageRegistry"}, value: reg}}
		if m.Layout == reference.Flatten {
			k = append(k, knobSetting{path: []string{"imageNamespace"}, value: ""})
		}
		if d := resolve(lookup(root, "defaults")); d != nil && d.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(d.Content); i += 2 {
				if c := resolve(d.Content[i+1]); c != nil && c.Kind == yaml.MappingNode && lookup(c, "imageRegistry") != nil {
					k = append(k, knobSetting{path: []string{"defaults", d.Content[i].Value, "imageRegistry"}, value: reg})
				}
			}
		}
		out = append(out, k)
	}
	if version != "v1beta2" && m.Layout == reference.KeepHost {
		// Each registry setting kept as a path part under the mirror:
		// the images it moves all come from it.
		var k knob
		if r := str(lookup(root, "imageRegistry")); r != "" {
			k = append(k, knobSetting{path: []string{"imageRegistry"}, value: keepHost(m, r)})
		}
		if d := resolve(lookup(root, "defaults")); d != nil && d.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(d.Content); i += 2 {
				if c := resolve(d.Content[i+1]); c != nil && c.Kind == yaml.MappingNode {
					if r := str(lookup(c, "imageRegistry")); r != "" {
						k = append(k, knobSetting{path: []string{"defaults", d.Content[i].Value, "imageRegistry"}, value: keepHost(m, r)})
					}
				}
			}
		}
		if len(k) > 0 {
			out = append(out, k)
		}
	}
	return out
}

// keepHost is the registry setting that puts the images of registry r
// where the KeepHost layout does.
func keepHost(m reference.Mapping, r string) string {
	return m.String() + "/" + reference.HostPath(strings.TrimSuffix(r, "/"))
}

// str returns the value of a scalar node, or "".
func str(n *yaml.Node) string {
	if n = resolve(n); n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// affected is an image an ImageConfig names or derives, keyed by where it
// is found.
type affected struct {
	key    string
	ref    reference.Reference
	origin discover.Origin
}

// configKey identifies an origin across rescans: the object and path, and
// for a derived image the ImageConfig it is derived through.
func configKey(o discover.Origin) string {
	k := o.File + "\x00" + o.Object() + "\x00" + o.Path
	if o.Form == discover.Derived {
		if _, cfg, ok := strings.Cut(o.Via, " of ImageConfig "); ok {
			k += "\x00" + cfg
		}
	}
	return k
}

// affectedBy returns the images ImageConfig c names (found inside it) or
// derives (through it), and their source registries.
func affectedBy(res *discover.Result, c discover.ImageConfig) ([]affected, []string) {
	root := c.Origin.At.Steps()
	where := " of ImageConfig " + c.Version + " " + c.Origin.Object()
	var out []affected
	var hosts []string
	for _, img := range res.Images {
		for _, o := range img.Origins {
			inside := hasPrefix(o.At.Steps(), root) && o.Form != discover.OperatorDefault
			derived := o.Form == discover.Derived && strings.Contains(o.Via, where)
			if !inside && !derived {
				continue
			}
			out = append(out, affected{key: configKey(o), ref: img.Ref, origin: o})
			if !slices.Contains(hosts, img.Ref.Registry) {
				hosts = append(hosts, img.Ref.Registry)
			}
		}
	}
	return out, hosts
}

func hasPrefix(steps, prefix []discover.Step) bool {
	return len(steps) >= len(prefix) && slices.Equal(steps[:len(prefix)], prefix)
}

// moveImageConfigs sets the registry settings of every ImageConfig of the
// stream (scanned into res) where they move all its images to their targets. It returns the
// stream, the changes made that way, and the lines inserted, for Rewrite
// to map lines of the result back.
func moveImageConfigs(data []byte, res *discover.Result, m reference.Mapping) ([]byte, []Change, []insertion) {
	if len(res.ImageConfigs) == 0 {
		return data, nil, nil
	}
	var changes []Change
	var inserted []insertion
	for i := range res.ImageConfigs {
		c := res.ImageConfigs[i]
		imgs, hosts := affectedBy(res, c)
		var todo []affected
		for _, a := range imgs {
			if !underDestination(a.ref, m) {
				todo = append(todo, a)
			}
		}
		if len(todo) == 0 {
			continue
		}
		st := newStream(data)
		pl, ok := st.find(c.Origin.At)
		if !ok {
			continue
		}
		moved := false
		for _, k := range knobs(c.Version, pl.n, m, hosts) {
			ed := newEditor(data)
			ins, ok := setKnob(newStream(data), ed, c.Origin.At, k)
			if !ok {
				continue
			}
			out := ed.bytes()
			again, err := discover.Scan(out, "")
			if err != nil {
				continue
			}
			if !verify(again, todo, m) {
				continue
			}
			added := 0
			for _, in := range ins {
				added += in.n
			}
			for j, a := range todo {
				to, _ := m.Map(a.ref)
				c := Change{Origin: a.origin, From: a.ref, To: to, Line: a.origin.At.Line, Knob: fmt.Sprintf("ImageConfig %s", k)}
				if j == 0 {
					c.Inserted = added // the settings added, counted once
				}
				changes = append(changes, c)
			}
			// Later ImageConfigs are found again in the new stream:
			// rescan, and count the lines added in original lines.
			data, res = out, again
			inserted = append(inserted, ins...)
			moved = true
			break
		}
		if moved {
			continue
		}
		// No setting moves every image: the images are rewritten where
		// they are written, and the building blocks of derived server
		// images (v1beta2 types.<type>, v1beta1 defaults.<type>.repository)
		// moved here, so that the version mapping keeps working.
		ed := newEditor(data)
		blocks, ins := moveServerBlocks(newStream(data), ed, c, m)
		if len(blocks) == 0 {
			continue
		}
		out := ed.bytes()
		again, err := discover.Scan(out, "")
		if err != nil {
			continue
		}
		var derived []affected
		for _, a := range todo {
			if a.origin.Form == discover.Derived {
				derived = append(derived, a)
			}
		}
		if !verify(again, derived, m) {
			continue
		}
		for _, a := range derived {
			to, _ := m.Map(a.ref)
			changes = append(changes, Change{Origin: a.origin, From: a.ref, To: to, Line: a.origin.At.Line, Knob: "ImageConfig " + blockNames(blocks)})
		}
		for j, b := range blocks {
			b.Knob = "ImageConfig " + b.Origin.Path
			if j == 0 {
				for _, in := range ins {
					b.Inserted += in.n
				}
			}
			changes = append(changes, b)
		}
		data, res = out, again
		inserted = append(inserted, ins...)
	}
	return data, changes, inserted
}

// verify reports whether every image of todo is found, in the rescanned
// result, at its place as its target.
func verify(res *discover.Result, todo []affected, m reference.Mapping) bool {
	found := map[string]string{}
	for _, img := range res.Images {
		for _, o := range img.Origins {
			found[configKey(o)] = img.Ref.String()
		}
	}
	for _, a := range todo {
		to, err := m.Map(a.ref)
		if err != nil || found[a.key] != to.String() {
			return false
		}
	}
	return true
}
