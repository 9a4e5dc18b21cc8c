package rewrite

import (
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// YAML writes the Component's kustomization.yaml.
func (c *Component) YAML() ([]byte, error) {
	type patch struct {
		Target Target `json:"target"`
		Patch  string `json:"patch"`
	}
	k := struct {
		APIVersion string       `json:"apiVersion"`
		Kind       string       `json:"kind"`
		Images     []ImageEntry `json:"images,omitempty"`
		Patches    []patch      `json:"patches,omitempty"`
	}{APIVersion: "kustomize.config.k8s.io/v1alpha1", Kind: "Component", Images: c.Images}
	for _, p := range c.Patches {
		ops, err := blockYAML(p.Ops)
		if err != nil {
			return nil, fmt.Errorf("writing the patch of %s %s: %w", p.Target.Kind, p.Target.Name, err)
		}
		k.Patches = append(k.Patches, patch{Target: p.Target, Patch: ops})
	}
	out, err := blockYAML(k)
	if err != nil {
		return nil, fmt.Errorf("writing the kustomization: %w", err)
	}
	return []byte("# Written by airlift: moves the images of the manifests it was made from to the mirror.\n" + out), nil
}

// blockYAML writes v (through JSON, so that json tags name the fields) as
// YAML in block style, multi-line strings as literal blocks.
func blockYAML(v any) (string, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(j, &n); err != nil {
		return "", err
	}
	restyle(&n)
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// restyle writes a node tree parsed from JSON in block style, multi-line
// strings as literal blocks.
func restyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle | yaml.DoubleQuotedStyle
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		if strings.Contains(n.Value, "\n") {
			n.Style = yaml.LiteralStyle
		} else if needsQuotes(n.Value) {
			n.Style = yaml.DoubleQuotedStyle
		}
	}
	for _, c := range n.Content {
		restyle(c)
	}
}

// needsQuotes reports whether a plain string would read as another type.
func needsQuotes(s string) bool {
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return true
	}
	_, ok := v.(string)
	return !ok
}
