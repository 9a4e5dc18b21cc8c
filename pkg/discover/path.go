package discover

import (
	"strconv"
	"strings"
)

// fieldPath is a stack of path segments, formatted only when something is
// found: spec.template.spec.containers[0].image, data["config.yaml"].x.
type fieldPath []string

func (p *fieldPath) pushKey(k string) {
	if PlainKey(k) {
		*p = append(*p, "."+k)
		return
	}
	*p = append(*p, "["+strconv.Quote(k)+"]")
}

func (p *fieldPath) pushIndex(i int) { *p = append(*p, "["+strconv.Itoa(i)+"]") }

func (p *fieldPath) pop() { *p = (*p)[:len(*p)-1] }

func (p fieldPath) String() string {
	return strings.TrimPrefix(strings.Join(p, ""), ".")
}

// with returns the path extended by keys, without changing p.
func (p fieldPath) with(keys ...string) string {
	q := append(fieldPath(nil), p...)
	for _, k := range keys {
		q.pushKey(k)
	}
	return q.String()
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
