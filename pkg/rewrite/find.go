package rewrite

import (
	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/internal/yamlstream"
	"github.com/airlift-cli/airlift/pkg/discover"
)

// stream is a manifest stream whose documents are parsed when a position
// leads into them, split and numbered as package discover does.
type stream struct {
	docs  []yamlstream.Document
	roots map[int]*yaml.Node          // parsed documents by number
	texts map[*yaml.Node][]*yaml.Node // documents held by string values
}

func newStream(data []byte) *stream {
	return &stream{docs: yamlstream.Split(data), roots: map[int]*yaml.Node{}, texts: map[*yaml.Node][]*yaml.Node{}}
}

// find follows a position to its node (aliases followed). It returns the
// node and what to add to the node's line to get its line in the stream,
// and, when the position ends in a line of the node's text, that step.
func (s *stream) find(p discover.Position) (*yaml.Node, int, discover.Step, bool) {
	n, off, line := s.follow(p)
	return n, off, line, n != nil
}

func (s *stream) follow(p discover.Position) (*yaml.Node, int, discover.Step) {
	var line discover.Step
	steps := p.Steps()
	if len(steps) == 0 || steps[0].Kind != discover.DocumentStep {
		return nil, 0, line
	}
	n, off := s.document(steps[0].Index)
	for _, st := range steps[1:] {
		if n = resolve(n); n == nil {
			return nil, 0, line
		}
		switch st.Kind {
		case discover.LineStep:
			if n.Kind != yaml.ScalarNode {
				return nil, 0, line
			}
			line = st
		case discover.KeyStep:
			n = lookup(n, st.Key)
		case discover.IndexStep:
			n = item(n, st.Index)
		case discover.DocumentStep:
			if n.Kind != yaml.ScalarNode {
				return nil, 0, line
			}
			off += yamlstream.EmbeddedOffset(n)
			n = s.embedded(n, st.Index)
		}
	}
	return resolve(n), off, line
}

// document returns the root of document i of the stream (nil when there is
// none) and the offset of its lines.
func (s *stream) document(i int) (*yaml.Node, int) {
	if i < 0 || i >= len(s.docs) {
		return nil, 0
	}
	off := s.docs[i].Line - 1
	if root, ok := s.roots[i]; ok {
		return root, off
	}
	var doc yaml.Node
	var root *yaml.Node
	if err := yaml.Unmarshal(s.docs[i].Body, &doc); err == nil && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	s.roots[i] = root
	return root, off
}

// embedded returns the root of document i of the text of scalar n, or nil.
func (s *stream) embedded(n *yaml.Node, i int) *yaml.Node {
	docs, ok := s.texts[n]
	if !ok {
		for _, root := range yamlstream.Embedded(n.Value) {
			docs = append(docs, root)
		}
		s.texts[n] = docs
	}
	if i < 0 || i >= len(docs) {
		return nil
	}
	return docs[i]
}

// resolve follows YAML aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// lookup returns the value of key in mapping m, or nil.
func lookup(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// item returns item i of sequence n, or nil.
func item(n *yaml.Node, i int) *yaml.Node {
	if n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
		return nil
	}
	return n.Content[i]
}
