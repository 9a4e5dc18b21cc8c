package yamlstream

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// bomb returns a document of a few hundred bytes whose aliases expand it
// to 9^levels leaves.
func bomb(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [\"image: x:1\",\"image: x:1\",\"image: x:1\",\"image: x:1\",\"image: x:1\",\"image: x:1\",\"image: x:1\",\"image: x:1\",\"image: x:1\"]\n")
	for i := 1; i <= levels; i++ {
		p := "*l" + string(rune('0'+i-1))
		b.WriteString("l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [" + strings.Repeat(p+",", 8) + p + "]\n")
	}
	return b.String()
}

func TestCheckAliases(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr bool
	}{
		{"no aliases", "a: {b: [1, 2, 3]}\n", false},
		{"an anchor used a few times", "base: &b {image: x:1, pull: Always}\none: *b\ntwo: *b\nthree: {<<: *b}\n", false},
		{"aliases that expand a little", bomb(3), false},
		{"an alias bomb", bomb(7), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(tt.doc), &n); err != nil {
				t.Fatal(err)
			}
			err := CheckAliases(&n)
			var ae *AliasError
			if got := errors.As(err, &ae); got != tt.wantErr {
				t.Fatalf("CheckAliases = %v, want an AliasError: %v", err, tt.wantErr)
			}
		})
	}
}

func TestEmbeddedDocsRefusesAnAliasBomb(t *testing.T) {
	docs, err := EmbeddedDocs(bomb(7))
	var ae *AliasError
	if !errors.As(err, &ae) || len(docs) != 0 {
		t.Fatalf("EmbeddedDocs = %d documents, %v; want none and an AliasError", len(docs), err)
	}
}
