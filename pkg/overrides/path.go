package overrides

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/airlift-cli/airlift/pkg/discover"
)

// Path is a path in a values tree: map keys and list indexes.
type Path []Segment

// Segment is one step of a Path: a map key, or a list index when IsIndex.
type Segment struct {
	Key     string
	Index   int
	IsIndex bool
}

// Key returns a key segment.
func Key(k string) Segment { return Segment{Key: k} }

// Index returns a list index segment.
func Index(i int) Segment { return Segment{Index: i, IsIndex: true} }

// KeyPath returns the path of the dot-separated keys s ("global.imageRegistry").
func KeyPath(s string) Path {
	if s == "" {
		return nil
	}
	var p Path
	for k := range strings.SplitSeq(s, ".") {
		p = append(p, Key(k))
	}
	return p
}

// String formats the path as Helm's --set does, where it can:
// global.imageRegistry, kafka.initContainers[0].image; keys that are not
// plain identifiers are quoted: annotations["app.kubernetes.io/name"].
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.IsIndex:
			fmt.Fprintf(&b, "[%d]", s.Index)
		case discover.PlainKey(s.Key):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Key)
		default:
			fmt.Fprintf(&b, "[%s]", strconv.Quote(s.Key))
		}
	}
	return b.String()
}

// Child returns p extended by s, without sharing p's backing array.
func (p Path) Child(s ...Segment) Path {
	out := make(Path, 0, len(p)+len(s))
	return append(append(out, p...), s...)
}

// HasPrefix reports whether q is a prefix of p.
func (p Path) HasPrefix(q Path) bool {
	if len(q) > len(p) {
		return false
	}
	for i := range q {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// Last returns the last key of p ("" when p is empty or ends with an index).
func (p Path) Last() string {
	if len(p) == 0 || p[len(p)-1].IsIndex {
		return ""
	}
	return p[len(p)-1].Key
}

// lookup returns the value at p in v.
func lookup(v any, p Path) (any, bool) {
	for _, s := range p {
		switch t := v.(type) {
		case map[string]any:
			if s.IsIndex {
				return nil, false
			}
			var ok bool
			if v, ok = t[s.Key]; !ok {
				return nil, false
			}
		case []any:
			if !s.IsIndex || s.Index < 0 || s.Index >= len(t) {
				return nil, false
			}
			v = t[s.Index]
		default:
			return nil, false
		}
	}
	return v, true
}

// assign sets p to val in the values overlay dst. Maps are created as
// needed. Helm replaces lists instead of merging them, so a path through a
// list copies the whole list from base (the values the chart sees) into dst
// the first time, and changes the copy.
func assign(dst map[string]any, base map[string]any, p Path, val any) error {
	if len(p) == 0 || p[0].IsIndex {
		return fmt.Errorf("assigning %s: a values path starts with a key", p)
	}
	var cur any = dst
	for i, s := range p {
		last := i == len(p)-1
		switch t := cur.(type) {
		case map[string]any:
			if s.IsIndex {
				return fmt.Errorf("assigning %s: %s is a map, not a list", p, p[:i])
			}
			if last {
				t[s.Key] = val
				return nil
			}
			next, ok := t[s.Key]
			if !ok {
				if p[i+1].IsIndex {
					orig, _ := lookup(base, p[:i+1])
					list, isList := orig.([]any)
					if !isList {
						return fmt.Errorf("assigning %s: %s is not a list in the chart's values", p, p[:i+1])
					}
					next = deepCopy(list)
				} else {
					next = map[string]any{}
				}
				t[s.Key] = next
			}
			cur = next
		case []any:
			if !s.IsIndex || s.Index >= len(t) {
				return fmt.Errorf("assigning %s: no element %s", p, p[:i+1])
			}
			if last {
				t[s.Index] = val
				return nil
			}
			cur = t[s.Index] // the list is dst's own copy
		default:
			return fmt.Errorf("assigning %s: %s is neither a map nor a list", p, p[:i])
		}
	}
	return nil
}

// deepCopy copies maps and lists of a values tree.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
