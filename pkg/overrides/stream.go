package overrides

import (
	"bytes"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// streamDoc is one document of a manifest stream.
type streamDoc struct {
	line int // 1-based line of the stream where the body starts
	body []byte
}

// splitStream splits a YAML stream on "---" lines.
func splitStream(data []byte) []streamDoc {
	var docs []streamDoc
	cur := streamDoc{line: 1}
	start, line := 0, 1
	flush := func(end int) {
		cur.body = data[start:end]
		if len(bytes.TrimSpace(cur.body)) > 0 {
			docs = append(docs, cur)
		}
	}
	for pos := 0; pos < len(data); line++ {
		next := len(data)
		if i := bytes.IndexByte(data[pos:], '\n'); i >= 0 {
			next = pos + i + 1
		}
		if l := data[pos:next]; bytes.HasPrefix(l, []byte("---")) && (len(l) == 3 || strings.ContainsRune(" \t\r\n", rune(l[3]))) {
			flush(pos)
			cur = streamDoc{line: line + 1}
			start = next
		}
		pos = next
	}
	flush(len(data))
	return docs
}

// parsePath parses a discover field path: spec.containers[0].image,
// data["config.yaml"].images.system-logger.
func parsePath(s string) Path {
	var p Path
	for s != "" {
		switch {
		case s[0] == '.':
			s = s[1:]
		case s[0] == '[' && len(s) > 1 && s[1] == '"':
			q, err := strconv.QuotedPrefix(s[1:])
			if err != nil {
				return append(p, Key(s))
			}
			k, _ := strconv.Unquote(q)
			p = append(p, Key(k))
			s = strings.TrimPrefix(s[1+len(q):], "]")
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return append(p, Key(s))
			}
			i, err := strconv.Atoi(s[1:end])
			if err != nil {
				return append(p, Key(s))
			}
			p = append(p, Index(i))
			s = s[end+1:]
		default:
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			p = append(p, Key(s[:end]))
			s = s[end:]
		}
	}
	return p
}

// locate follows p from n, into YAML documents held in string values
// (ConfigMap data). It returns the node and what to add to its line to get
// the line in n's document.
func locate(n *yaml.Node, p Path) (*yaml.Node, int, bool) {
	for i, s := range p {
		for n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		switch {
		case n.Kind == yaml.MappingNode && !s.IsIndex:
			var next *yaml.Node
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == s.Key {
					next = n.Content[j+1]
					break
				}
			}
			if next == nil {
				return nil, 0, false
			}
			n = next
		case n.Kind == yaml.SequenceNode && s.IsIndex && s.Index < len(n.Content):
			n = n.Content[s.Index]
		case n.Kind == yaml.ScalarNode:
			return locateEmbedded(n, p[i:])
		default:
			return nil, 0, false
		}
	}
	return n, 0, true
}

// locateEmbedded follows p into the documents of a string value.
func locateEmbedded(n *yaml.Node, p Path) (*yaml.Node, int, bool) {
	off := n.Line - 1
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		off = n.Line // the content starts on the line after "|"
	}
	dec := yaml.NewDecoder(strings.NewReader(n.Value))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return nil, 0, false
		}
		if len(doc.Content) == 0 {
			continue
		}
		if inner, innerOff, ok := locate(doc.Content[0], p); ok {
			return inner, off + innerOff, true
		}
	}
}

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

// refByte reports whether b can be part of an image reference.
func refByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("._-/:@", b) >= 0
}
