package yamlstream

import "bytes"

// Document is one document of a stream.
type Document struct {
	Source string // from Helm's "# Source:" comment, "" when absent
	Line   int    // 1-based line of the stream where Body starts
	Body   []byte
}

var sourcePrefix = []byte("# Source: ")

// Split splits a multi-document YAML stream on "---" lines and reads Helm's
// "# Source:" comment of each document. Documents are returned in order;
// those holding only white space are dropped (a document of comments only
// is kept). Content after "--- " on the separator line belongs to the next
// document. Split never fails: what each document holds is the parser's
// business.
func Split(data []byte) []Document {
	var docs []Document
	cur := Document{Line: 1}
	start := 0
	flush := func(end int) {
		cur.Body = data[start:end]
		if len(bytes.TrimSpace(cur.Body)) > 0 {
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
			cur = Document{Line: line + 1}
			start = next
			if rest := bytes.TrimSpace(l[3:]); len(rest) > 0 && rest[0] != '#' {
				cur.Line = line
				start = pos + 3
			}
		case cur.Source == "" && bytes.HasPrefix(l, sourcePrefix):
			cur.Source = string(bytes.TrimSpace(l[len(sourcePrefix):]))
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
