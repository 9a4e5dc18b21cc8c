package rewrite

import (
	"bytes"
	"strings"
)

// editor changes a stream line by line.
type editor struct {
	lines [][]byte
}

func newEditor(data []byte) *editor {
	return &editor{lines: bytes.SplitAfter(data, []byte("\n"))}
}

func (e *editor) bytes() []byte { return bytes.Join(e.lines, nil) }

// replace replaces the first whole-word occurrence of old in lines line to
// line+span-1 (1-based) by new.
func (e *editor) replace(line, span int, old, new string) bool {
	for l := line; l < line+span && l >= 1 && l <= len(e.lines); l++ {
		text := e.lines[l-1]
		for from := 0; ; {
			i := bytes.Index(text[from:], []byte(old))
			if i < 0 {
				break
			}
			i += from
			end := i + len(old)
			if (i == 0 || !refByte(text[i-1])) && (end == len(text) || !refByte(text[end])) {
				out := make([]byte, 0, len(text)+len(new)-len(old))
				out = append(append(append(out, text[:i]...), new...), text[end:]...)
				e.lines[l-1] = out
				return true
			}
			from = i + 1
		}
	}
	return false
}

// insert inserts text (whole lines) before line (1-based). Line numbers
// given to later calls keep meaning the lines of the original stream.
func (e *editor) insert(line int, text string) {
	if line >= 1 && line <= len(e.lines) {
		e.lines[line-1] = append([]byte(text), e.lines[line-1]...)
	}
}

// refByte reports whether b can be part of an image reference.
func refByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("._-/:@", b) >= 0
}
