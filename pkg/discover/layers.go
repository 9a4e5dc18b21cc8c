package discover

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A K8ssandraCluster sets some images at two levels: in its cluster
// template (spec.cassandra.serverImage, spec.stargate.containerImage) and
// per datacenter (spec.cassandra.datacenters[i].serverImage,
// .stargate.containerImage). k8ssandra-operator merges them with the
// datacenter's value first (pkg/cassandra/datacenter.go Coalesce,
// goalesceutils.MergeCRs; pkg/stargate Coalesce), and where neither is set
// cass-operator derives the server image from its ImageConfig. The layer
// that decides each datacenter's image is written into the origins' Via.

// Layer names, as Via says them.
const (
	LayerDatacenter  = "datacenter level"
	LayerCluster     = "cluster level"
	LayerImageConfig = "ImageConfig default"
)

// precedence is the documented order, for people.
const precedence = "precedence datacenter > cluster > ImageConfig default"

// layered is an image setting at cluster level and, per datacenter, below
// the datacenter's own key.
type layered struct {
	field   string   // "serverImage", "containerImage"
	cluster []string // keys from the object to the cluster's setting's parent
	dc      []string // keys from a datacenter to its setting's parent
}

var k8ssandraLayered = []layered{
	{field: "serverImage", cluster: []string{"spec", "cassandra"}},
	{field: "containerImage", cluster: []string{"spec", "stargate"}, dc: []string{"stargate"}},
}

// layerKey identifies an origin's node across inputs.
func layerKey(o Origin) string { return o.File + "\x00" + o.At.steps }

// k8ssandraLayers notes, for each layered image setting of a
// K8ssandraCluster m, which layer decides it for which datacenter.
func (w *walker) k8ssandraLayers(m *yaml.Node) {
	dcs := path(m, "spec", "cassandra", "datacenters")
	if dcs == nil || dcs.Kind != yaml.SequenceNode {
		return
	}
	for _, l := range k8ssandraLayered {
		clusterNode := get(path(m, l.cluster...), l.field)
		var usedBy, overriddenBy []string
		for i, dc := range dcs.Content {
			dc = resolve(dc)
			name := firstNonEmpty(str(path(dc, "metadata", "name")), fmt.Sprintf("#%d", i))
			own := get(path(dc, l.dc...), l.field)
			if own == nil || isEmptyImage(own) {
				usedBy = append(usedBy, name)
				continue
			}
			overriddenBy = append(overriddenBy, name)
			via := fmt.Sprintf("%s: the %s of datacenter %s", LayerDatacenter, l.field, name)
			if clusterNode != nil && !isEmptyImage(clusterNode) {
				via += fmt.Sprintf(", over the cluster's (%s)", precedence)
			}
			steps := []Step{keyStep("spec"), keyStep("cassandra"), keyStep("datacenters"), indexStep(i)}
			for _, k := range l.dc {
				steps = append(steps, keyStep(k))
			}
			w.noteLayer(own, via, append(steps, keyStep(l.field))...)
		}
		if clusterNode == nil || isEmptyImage(clusterNode) {
			continue
		}
		var via string
		switch {
		case len(usedBy) == 0:
			via = fmt.Sprintf("%s: every datacenter sets its own %s (%s), so no datacenter runs it", LayerCluster, l.field, precedence)
		case len(overriddenBy) == 0:
			via = fmt.Sprintf("%s: the %s of %s", LayerCluster, l.field, datacenters(usedBy, "set none", "sets none"))
		default:
			via = fmt.Sprintf("%s: the %s of %s; %s (%s)", LayerCluster, l.field, datacenters(usedBy, "set none", "sets none"),
				strings.Join(overriddenBy, ", ")+map[bool]string{true: " set their own", false: " sets its own"}[len(overriddenBy) > 1], precedence)
		}
		var steps []Step
		for _, k := range l.cluster {
			steps = append(steps, keyStep(k))
		}
		w.noteLayer(clusterNode, via, append(steps, keyStep(l.field))...)
	}
}

// datacenters names datacenters and what they do: "datacenters dc1, dc2,
// which set none", "datacenter dc1, which sets none".
func datacenters(names []string, many, one string) string {
	if len(names) == 1 {
		return "datacenter " + names[0] + ", which " + one
	}
	return "datacenters " + strings.Join(names, ", ") + ", which " + many
}

// noteLayer notes via for the node n at the given steps.
func (w *walker) noteLayer(n *yaml.Node, via string, steps ...Step) {
	w.push(steps...)
	o := w.origin(n)
	w.pop(len(steps))
	if w.s.layers == nil {
		w.s.layers = map[string]string{}
	}
	w.s.layers[layerKey(o)] = via
}

// isEmptyImage reports whether an image setting is unset: an empty string
// or an object with no field set.
func isEmptyImage(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.ScalarNode:
		return str(n) == ""
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			if str(resolve(n.Content[i])) != "" {
				return false
			}
		}
		return true
	}
	return false
}

// applyLayers writes the layer noted for each origin into its Via.
func (s *Scanner) applyLayers(images imageSet) {
	if len(s.layers) == 0 {
		return
	}
	for _, img := range images {
		for i, o := range img.Origins {
			via, ok := s.layers[layerKey(o)]
			if !ok {
				continue
			}
			if o.Via != "" {
				via += "; " + o.Via
			}
			img.Origins[i].Via = via
		}
	}
}

// originSteps returns the encoded steps of the current position followed
// by steps.
func (w *walker) originSteps(steps ...Step) string {
	w.push(steps...)
	s := encodeSteps(w.steps)
	w.pop(len(steps))
	return s
}
