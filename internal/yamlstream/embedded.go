package yamlstream

import (
	"encoding/base64"
	"errors"
	"io"
	"iter"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Embedded yields the documents of a string value that holds YAML or JSON
// (a ConfigMap's config file) with their number, from 0: the root node of
// each (aliases not followed), until a document does not parse or is empty.
// A value that is not YAML at all (a script) yields nothing or a scalar.
func Embedded(text string) iter.Seq2[int, *yaml.Node] {
	return func(yield func(int, *yaml.Node) bool) {
		dec := yaml.NewDecoder(strings.NewReader(text))
		for i := 0; ; i++ {
			var n yaml.Node
			if err := dec.Decode(&n); err != nil || len(n.Content) == 0 {
				return
			}
			if !yield(i, n.Content[0]) {
				return
			}
		}
	}
}

// EmbeddedDocs returns the documents of a string value as Embedded yields
// them, and the error that stopped the decoding: nil when the whole text
// is YAML or JSON. A text that is something else (a TOML or ini file, a
// template) may begin with what YAML reads as a document ("[section]"):
// the error tells it apart.
func EmbeddedDocs(text string) ([]*yaml.Node, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err == nil {
			err = CheckAliases(&n)
		}
		if err != nil {
			return docs, err
		}
		if len(n.Content) == 0 {
			return docs, nil
		}
		docs = append(docs, n.Content[0])
	}
}

// EmbeddedOffset returns what to add to the line of a node of a document
// that the string value n holds to get its line in n's own document: the
// text of a block scalar (| or >) starts on the line after its indicator,
// that of any other scalar on its own line. Lines map one to one only for
// literal blocks and values written on one line; in a folded or quoted
// multi-line value they are approximate.
func EmbeddedOffset(n *yaml.Node) int {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Line
	}
	return n.Line - 1
}

// Decoded returns the text a base64 string value holds (a Secret's data) as
// a plain string scalar on the line of n, and false when n is not base64 of
// a text (valid UTF-8 without NUL bytes).
func Decoded(n *yaml.Node) (*yaml.Node, bool) {
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), ""))
	if err != nil || len(b) == 0 || !utf8.Valid(b) || strings.IndexByte(string(b), 0) >= 0 {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: string(b), Line: n.Line, Column: n.Column}, true
}
