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
	decs  map[*yaml.Node]*yaml.Node   // texts held by base64 values
}

func newStream(data []byte) *stream {
	return &stream{docs: yamlstream.Split(data), roots: map[int]*yaml.Node{}, texts: map[*yaml.Node][]*yaml.Node{},
		decs: map[*yaml.Node]*yaml.Node{}}
}

// place is where a position leads: a node (aliases followed), what to add
// to its lines to get their line in the stream (or, inside base64 data, in
// the decoded text), the line of the node's text the position ends in, if
// any, and, inside base64 data, the string value that holds it encoded and
// the offset of that value's lines.
type place struct {
	n      *yaml.Node
	off    int
	line   discover.Step
	enc    *yaml.Node
	encOff int
}

// find follows a position to where it leads.
func (s *stream) find(p discover.Position) (place, bool) {
	pl := s.follow(p)
	return pl, pl.n != nil
}

func (s *stream) follow(p discover.Position) place {
	var pl place
	steps := p.Steps()
	if len(steps) == 0 || steps[0].Kind != discover.DocumentStep {
		return place{}
	}
	n, off := s.document(steps[0].Index)
	for _, st := range steps[1:] {
		if n = resolve(n); n == nil {
			return place{}
		}
		switch st.Kind {
		case discover.LineStep:
			if n.Kind != yaml.ScalarNode {
				return place{}
			}
			pl.line = st
		case discover.KeyStep:
			n = lookup(n, st.Key)
		case discover.IndexStep:
			n = item(n, st.Index)
		case discover.DocumentStep:
			if n.Kind != yaml.ScalarNode {
				return place{}
			}
			off += yamlstream.EmbeddedOffset(n)
			n = s.embedded(n, st.Index)
		case discover.DecodeStep:
			if n.Kind != yaml.ScalarNode || pl.enc != nil {
				return place{}
			}
			pl.enc, pl.encOff = n, off
			n, off = s.decoded(n), 0
		}
	}
	pl.n, pl.off = resolve(n), off
	return pl
}

// decoded returns the text base64 value n holds as a string node whose
// lines are those of the text, from 1; nil when n is not base64 of a text.
func (s *stream) decoded(n *yaml.Node) *yaml.Node {
	if d, ok := s.decs[n]; ok {
		return d
	}
	d, ok := yamlstream.Decoded(n)
	if ok {
		d.Line, d.Column = 1, 1
	} else {
		d = nil
	}
	s.decs[n] = d
	return d
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
