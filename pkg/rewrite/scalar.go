package rewrite

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// rewriteScalar rewrites ref where it is written in scalar n, which starts
// on line of the stream: the whole value, or one word of it; with text set,
// a word of that line of the value (a version map's entry, a line of a
// template), which is on line at of the stream when the value is a literal
// block. It returns why it could not, or "".
func rewriteScalar(ed *editor, n *yaml.Node, line, at int, text string, ref, target reference.Reference, path string) string {
	if text == "" {
		text = n.Value
	}
	tok, written, ok := token(text, ref)
	if !ok {
		return "the reference is not written out at " + path
	}
	want := target.Name() + suffix(written)
	if text != n.Value && ed.replace(at, 1, tok, want) {
		return ""
	}
	if !ed.replace(line, scalarLines(n), tok, want) {
		return "the reference is not written out on line " + fmt.Sprint(line)
	}
	return ""
}

// scalarLines is how many lines of the stream scalar n may span from its
// own line: a literal block (|) starts on the line after its indicator and
// may end without a newline (|-); a folded block (>) and a plain or quoted
// scalar written over several lines join their lines with spaces, so each
// word may have been on a line of its own.
func scalarLines(n *yaml.Node) int {
	lines := strings.Count(n.Value, "\n") + 1
	if n.Style&yaml.LiteralStyle != 0 {
		return lines + 1
	}
	if n.Style&yaml.FoldedStyle != 0 {
		lines++
	}
	return lines + strings.Count(n.Value, " ")
}

// token finds how ref is written in a scalar: the whole value, or one word
// of it (args, a shell command, --flag=value). It returns the word and the
// reference it parses as.
func token(value string, ref reference.Reference) (string, reference.Reference, bool) {
	want := ref.String()
	if v := strings.TrimSpace(value); v != "" {
		if r, err := reference.Parse(v); err == nil && r.String() == want {
			return v, r, true
		}
	}
	words := strings.FieldsFunc(value, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '=' || r == '"' || r == '\'' || r == ',' || r == ';' || r == '[' || r == ']'
	})
	for _, w := range words {
		if r, err := reference.Parse(w); err == nil && r.String() == want {
			return w, r, true
		}
	}
	return "", reference.Reference{}, false
}

// suffix is the tag and digest of r as they were written: ":1.36",
// "@sha256:...", ":v2@sha256:...", or "" for an implied latest.
func suffix(r reference.Reference) string {
	var s string
	if r.Tag != "" && !r.TagImplied {
		s = ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}
