package yamlstream

import (
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestEmbedded(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // the first key or value of each document's root
	}{
		{"one document", "images:\n  a: b:1\n", []string{"images"}},
		{"several documents", "a: 1\n---\nb: 2\n---\nc: 3\n", []string{"a", "b", "c"}},
		{"JSON", `{"image": "a:1"}`, []string{"image"}},
		{"a script is a scalar", "#!/bin/sh\nexec run\n", []string{"exec run"}},
		{"stops at a document that does not parse", "a: 1\n---\nb: [\n---\nc: 3\n", []string{"a"}},
		{"an empty document between two is a null scalar", "a: 1\n---\n---\nc: 3\n", []string{"a", "", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for i, root := range Embedded(tt.text) {
				if i != len(got) {
					t.Fatalf("document %d numbered %d", len(got), i)
				}
				first := root
				if len(root.Content) > 0 {
					first = root.Content[0]
				}
				got = append(got, first.Value)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Embedded = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEmbeddedOffset(t *testing.T) {
	in := "literal: |\n  a: 1\n  b: 2\nfolded: >-\n  c: 3\nplain: 'd: 4'\n"
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(in), &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	tests := []struct {
		name     string
		key      string
		wantLine int // line in the outer document of the embedded document's first key
	}{
		{"literal block starts after its indicator", "literal", 2},
		{"folded block starts after its indicator", "folded", 5},
		{"a value on one line", "plain", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v *yaml.Node
			for i := 0; i+1 < len(root.Content); i += 2 {
				if root.Content[i].Value == tt.key {
					v = root.Content[i+1]
				}
			}
			for _, inner := range Embedded(v.Value) {
				if got := inner.Content[0].Line + EmbeddedOffset(v); got != tt.wantLine {
					t.Errorf("line = %d, want %d", got, tt.wantLine)
				}
				break
			}
		})
	}
}

func TestEmbeddedDocs(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		docs    int
		wantErr bool
	}{
		{"YAML", "a: 1\n---\nb: 2\n", 2, false},
		{"JSON", `{"values": {"image": "x"}}`, 1, false},
		{"a TOML file begins like a YAML list", "[agent]\nimage = \"quay.io/a/b:1\"\n", 1, true},
		{"a template that is not YAML", "{{- if .x }}\nimage: a:1\n{{- end }}\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := EmbeddedDocs(tt.text)
			if len(docs) != tt.docs || (err != nil) != tt.wantErr {
				t.Errorf("EmbeddedDocs = %d docs, err %v; want %d, error %v", len(docs), err, tt.docs, tt.wantErr)
			}
		})
	}
}
