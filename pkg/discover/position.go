package discover

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Position locates a value in the stream given to Scanner.Add, as data: the
// line it starts on and the steps from the stream to its node. A consumer
// (package rewrite) follows the steps to find the node again without
// parsing Path. Positions are comparable: equal positions are one node.
type Position struct {
	// Line is the 1-based line of the stream where the value starts: for a
	// block scalar (| or >), the line of its indicator; for an image object,
	// that of its first field; inside a document held by a string value,
	// exact for literal blocks (|) and one-line values.
	Line int
	// steps holds []Step encoded (see appendStep), so that Position and
	// Origin stay comparable; Steps decodes it.
	steps string
}

// StepKind says what a Step steps into.
type StepKind uint8

const (
	// DocumentStep enters document Index of a stream. The first step of
	// every Position enters a document of the input: documents are split
	// on "---" lines and numbered from 0, counting those that hold more
	// than white space (one of comments only counts). A later one enters a
	// document of the YAML or JSON text of a string value (a ConfigMap's
	// config file), numbered from 0 as a yaml.Decoder reads them.
	DocumentStep StepKind = iota + 1
	// KeyStep enters the value of map key Key.
	KeyStep
	// IndexStep enters item Index of a list.
	IndexStep
	// LineStep enters line Index (from 0) of the text of a string value: an
	// entry of a version map ("4.2.0=quay.io/org/kafka:1.2.0"), or a line
	// of a template, script or config file. Key is the entry's key or the
	// key the line sets ("image"), "" when the line has none. It is the last
	// step of a Position.
	LineStep
	// DecodeStep enters the text a base64 string value holds (a Secret's
	// data): the steps after it go into that text as into a string value.
	DecodeStep
)

// Step is one step of a Position.
type Step struct {
	Kind  StepKind
	Key   string // for KeyStep and LineStep
	Index int    // for IndexStep, DocumentStep and LineStep
}

func keyStep(k string) Step   { return Step{Kind: KeyStep, Key: k} }
func indexStep(i int) Step    { return Step{Kind: IndexStep, Index: i} }
func documentStep(i int) Step { return Step{Kind: DocumentStep, Index: i} }
func decodeStep() Step        { return Step{Kind: DecodeStep} }
func lineStep(i int, key string) Step {
	return Step{Kind: LineStep, Index: i, Key: key}
}

// IsZero reports whether p locates nothing (images declared in chart
// annotations, which are not in a stream).
func (p Position) IsZero() bool { return p == Position{} }

// Steps returns the steps from the stream to the value, the first a
// DocumentStep.
func (p Position) Steps() []Step {
	var out []Step
	for s := p.steps; s != ""; {
		kind := StepKind(s[0])
		n, w := uvarint(s[1:])
		s = s[1+w:]
		switch kind {
		case KeyStep:
			out = append(out, keyStep(s[:n]))
			s = s[n:]
		case LineStep:
			k, w := uvarint(s)
			s = s[w:]
			out = append(out, lineStep(n, s[:k]))
			s = s[k:]
		default:
			out = append(out, Step{Kind: kind, Index: n})
		}
	}
	return out
}

// String formats p for people: "line 12, document 0: data["a.yaml"],
// document 1: images.x".
func (p Position) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d", p.Line)
	var field []Step
	flush := func() {
		if len(field) > 0 {
			b.WriteString(": ")
			b.WriteString(formatPath(field))
			field = field[:0]
		}
	}
	for _, s := range p.Steps() {
		if s.Kind == DocumentStep {
			flush()
			fmt.Fprintf(&b, ", document %d", s.Index)
			continue
		}
		field = append(field, s)
	}
	flush()
	return b.String()
}

// encodeSteps encodes steps for Position: per step, its kind byte, then a
// uvarint (the index, or the key's length followed by the key; for a line,
// the index, then the key's length and the key).
func encodeSteps(steps []Step) string {
	size := 0
	for _, s := range steps {
		switch s.Kind {
		case KeyStep:
			size += 1 + uvarintLen(len(s.Key)) + len(s.Key)
		case LineStep:
			size += 1 + uvarintLen(s.Index) + uvarintLen(len(s.Key)) + len(s.Key)
		default:
			size += 1 + uvarintLen(s.Index)
		}
	}
	var b strings.Builder
	b.Grow(size)
	var buf [binary.MaxVarintLen64]byte
	for _, s := range steps {
		b.WriteByte(byte(s.Kind))
		if s.Kind == KeyStep {
			b.Write(buf[:binary.PutUvarint(buf[:], uint64(len(s.Key)))])
			b.WriteString(s.Key)
			continue
		}
		b.Write(buf[:binary.PutUvarint(buf[:], uint64(s.Index))])
		if s.Kind == LineStep {
			b.Write(buf[:binary.PutUvarint(buf[:], uint64(len(s.Key)))])
			b.WriteString(s.Key)
		}
	}
	return b.String()
}

func uvarintLen(v int) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// uvarint decodes a uvarint from the start of s and returns it with its
// length.
func uvarint(s string) (v, n int) {
	for shift := 0; n < len(s); shift += 7 {
		c := s[n]
		n++
		v |= int(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	return v, n
}

// formatPath formats steps as a field path for people and JSON:
// spec.template.spec.containers[0].image, data["config.yaml"].images.x.
// Document steps are not shown; a line of a string value is shown in
// braces: its key (env[3].value{4.2.0}, data["run.sh"]{image}) or its
// number from 1 (data["run.sh"]{line 7}).
func formatPath(steps []Step) string {
	var b strings.Builder
	for _, s := range steps {
		switch s.Kind {
		case KeyStep:
			if PlainKey(s.Key) {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(s.Key)
				continue
			}
			b.WriteByte('[')
			b.WriteString(strconv.Quote(s.Key))
			b.WriteByte(']')
		case IndexStep:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.Index))
			b.WriteByte(']')
		case LineStep:
			b.WriteByte('{')
			if s.Key != "" {
				b.WriteString(s.Key)
			} else {
				b.WriteString("line " + strconv.Itoa(s.Index+1))
			}
			b.WriteByte('}')
		}
	}
	return b.String()
}

// PlainKey reports whether a map key is written bare in a field path
// (spec.image) rather than quoted (data["image_config.yaml"]): letters,
// digits, '_' and '-'. Origin paths and the values paths of package
// overrides follow this one rule.
func PlainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
