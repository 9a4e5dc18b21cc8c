package yamlstream

import (
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	type doc struct {
		Source string
		Line   int
		Body   string
	}
	tests := []struct {
		name string
		in   string
		want []doc
	}{
		{
			name: "helm template output",
			in:   "---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\nkind: B\n",
			want: []doc{
				{"c/templates/a.yaml", 2, "# Source: c/templates/a.yaml\nkind: A\n"},
				{"c/templates/b.yaml", 5, "# Source: c/templates/b.yaml\nkind: B\n"},
			},
		},
		{
			name: "no separator, no trailing newline",
			in:   "kind: A",
			want: []doc{{"", 1, "kind: A"}},
		},
		{
			name: "empty documents are dropped, comment-only ones kept",
			in:   "---\n\n---\n# Source: c/templates/empty.yaml\n---\nkind: A\n",
			want: []doc{
				{"c/templates/empty.yaml", 4, "# Source: c/templates/empty.yaml\n"},
				{"", 6, "kind: A\n"},
			},
		},
		{
			name: "content after the separator starts the next document",
			in:   "--- {kind: A}\n--- # a comment\nkind: B\n",
			want: []doc{
				{"", 1, " {kind: A}\n"},
				{"", 3, "kind: B\n"},
			},
		},
		{
			name: "separators with CRLF and tabs; ---x is not one",
			in:   "kind: A\r\n---\r\nkind: B\n---\tx\n---x: 1\n",
			want: []doc{
				{"", 1, "kind: A\r\n"},
				{"", 3, "kind: B\n"},
				{"", 4, "\tx\n---x: 1\n"},
			},
		},
		{
			name: "only the first # Source: counts",
			in:   "# Source: a.yaml\n# Source: b.yaml\nkind: A\n",
			want: []doc{{"a.yaml", 1, "# Source: a.yaml\n# Source: b.yaml\nkind: A\n"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []doc
			for _, d := range Split([]byte(tt.in)) {
				got = append(got, doc{d.Source, d.Line, string(d.Body)})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Split =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}
