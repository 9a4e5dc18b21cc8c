package discover

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"

	"github.com/airlift-cli/airlift/internal/oneline"
)

// document is one YAML document of a stream.
type document struct {
	source string // from "# Source:", "" when absent
	line   int    // 1-based line of the stream where the body starts
	body   []byte
}

var sourcePrefix = []byte("# Source: ")

// splitDocuments splits a multi-document YAML stream on "---" lines and
// reads Helm's "# Source:" comment of each document. It never fails: what
// each document holds is the parser's business.
func splitDocuments(data []byte) []document {
	var docs []document
	cur := document{line: 1}
	start := 0
	flush := func(end int) {
		cur.body = data[start:end]
		if len(bytes.TrimSpace(cur.body)) > 0 {
			docs = append(docs, cur)
		}
	}
	line := 1
	for pos := 0; pos < len(data); line++ {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			next = pos + end + 1
		}
		l := data[pos:next]
		switch {
		case isSeparator(l):
			flush(pos)
			cur = document{line: line + 1}
			start = next
			// Content after "--- " on the same line belongs to the next document.
			if rest := bytes.TrimSpace(l[3:]); len(rest) > 0 && rest[0] != '#' {
				cur.line = line
				start = pos + 3
			}
		case cur.source == "" && bytes.HasPrefix(l, sourcePrefix):
			cur.source = string(bytes.TrimSpace(l[len(sourcePrefix):]))
		}
		pos = next
	}
	flush(len(data))
	return docs
}

// isSeparator reports whether a line is a YAML document separator.
func isSeparator(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	return len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r'
}

// SyntaxError is a document of the input that is not valid YAML or JSON.
type SyntaxError struct {
	File string // template or input file
	Line int    // line of the input stream (where the document starts if the parser gave none)
	Err  error
}

func (e *SyntaxError) Error() string {
	msg := oneline.Flatten(e.Err.Error())
	if e.File == "" {
		return fmt.Sprintf("input line %d: %s", e.Line, msg)
	}
	return fmt.Sprintf("%s (input line %d): %s", e.File, e.Line, msg)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// newSyntaxError places a parser error on the line of the whole input.
func newSyntaxError(file string, d document, err error) *SyntaxError {
	line := d.line
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		line += n - 1
		err = fmt.Errorf("yaml: %s", msg[len(m[0]):])
	}
	return &SyntaxError{File: file, Line: line, Err: err}
}

func (e *SyntaxError) Unwrap() error { return e.Err }
