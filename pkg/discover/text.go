package discover

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// textValue is a value found on one line of a text that is not a YAML
// document: an entry of a version map ("4.2.0=quay.io/org/kafka:1.2.0"),
// the value of a key or flag ("image: busybox:1.28", `image = "x:1"`,
// "--helper-image=x:1"), or a word of a command line.
type textValue struct {
	line  int    // from 0
	key   string // the key or flag the value belongs to; "" for a word
	value string // as written, quotes removed
	image bool   // the key or flag names an image
}

// textValues finds the values of a text that may be images, line by line:
// templates (Go, Jinja, injection templates), scripts, and config files
// (TOML, ini, properties, env files). Only literal values count: a value
// holding a template action ({{ }}, {% %}, ${ }, $( )) is skipped. A value
// is kept when its key or flag names an image (image, *_IMAGE, *Image,
// --x-image) and it has the shape of a reference (a '/', ':' or '@'; a
// bare name too when pods is set: the text describes containers), or when
// it is unmistakably an image (see unmistakable). A text whose every line
// is KEY=REF or KEY: REF with REF shaped like a reference with a path and
// a tag is a version map: all its values are kept.
func textValues(text string, pods bool) []textValue {
	var out []textValue
	entries, versionMap := 0, true
	for i, raw := range strings.Split(text, "\n") {
		l := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if l == "" || isComment(l) {
			continue
		}
		l = strings.TrimSpace(strings.TrimPrefix(l, "- "))
		key, val, ok := keyValue(l)
		if ok && !strings.ContainsAny(val, " \t") {
			if refShaped(val) {
				entries++
			} else {
				versionMap = false
			}
			if hasTemplate(val) || val == "" {
				continue
			}
			out = append(out, textValue{line: i, key: key, value: val, image: imageKey(key)})
			continue
		}
		versionMap = false
		words := strings.Fields(l)
		if ok {
			words = strings.Fields(val)
		}
		out = appendWords(out, i, words)
	}
	keep := out[:0]
	for _, v := range out {
		switch {
		case versionMap && entries > 0 && v.key != "":
		case v.image && (strings.ContainsAny(v.value, "/:@") || pods && bareName(v.value)):
		case unmistakable(v.value):
		default:
			continue
		}
		keep = append(keep, v)
	}
	return keep
}

// appendWords adds the words of a command line that may be images: the
// value of an image flag (--x-image=REF, --x-image REF), any --flag=REF and
// bare words that are unmistakably images.
func appendWords(out []textValue, line int, words []string) []textValue {
	pending := ""
	for _, w := range words {
		w = trimValue(w)
		if w == "" || hasTemplate(w) {
			pending = ""
			continue
		}
		if pending != "" && !strings.HasPrefix(w, "-") {
			out = append(out, textValue{line: line, key: pending, value: w, image: true})
			pending = ""
			continue
		}
		pending = ""
		if !strings.HasPrefix(w, "-") {
			out = append(out, textValue{line: line, value: w})
			continue
		}
		name, val, hasValue := strings.Cut(w, "=")
		switch {
		case hasValue:
			out = append(out, textValue{line: line, key: name, value: trimValue(val), image: imageFlag(name)})
		case imageFlag(name):
			pending = name
		}
	}
	return out
}

// keyValue splits "key: value", "key=value", "key = value" and `"key":
// "value",` into a key (quotes removed; "export KEY" read as KEY) and a
// value (quotes, a trailing comment and a trailing ',' or ';' removed). It
// reports false when the line has no separator or what precedes it is not
// a key.
func keyValue(l string) (key, val string, ok bool) {
	sep := -1
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case ':':
			if i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t' {
				sep = i
			}
		case '=':
			prev := byte(0)
			if i > 0 {
				prev = l[i-1]
			}
			next := byte(0)
			if i+1 < len(l) {
				next = l[i+1]
			}
			if !strings.ContainsRune("!<>=~:", rune(prev)) && next != '=' && next != '~' {
				sep = i
			}
		}
		if sep >= 0 {
			break
		}
	}
	if sep <= 0 {
		return "", "", false
	}
	key = strings.TrimSpace(l[:sep])
	if f := strings.Fields(key); len(f) == 2 && shellDeclaration[f[0]] {
		key = f[1]
	}
	key = strings.Trim(key, `"'`)
	if !validKey(key) {
		return "", "", false
	}
	val = strings.TrimSpace(l[sep+1:])
	if i := strings.Index(val, " #"); i >= 0 {
		val = val[:i]
	}
	if i := strings.Index(val, " //"); i >= 0 {
		val = val[:i]
	}
	return key, trimValue(val), true
}

var shellDeclaration = map[string]bool{"export": true, "ENV": true, "ARG": true, "readonly": true, "local": true, "declare": true, "set": true}

// validKey reports whether k can be a key: letters, digits and ._-/ (a
// leading -- for a flag), no spaces.
func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/", r)) {
			return false
		}
	}
	return true
}

// trimValue removes a trailing ',' or ';' and surrounding quotes.
func trimValue(v string) string {
	v = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(v), ",;"))
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		v = v[1 : len(v)-1]
	}
	return strings.Trim(v, `"'`)
}

// isComment reports whether a line is a comment in the usual config and
// script languages, or a template comment.
func isComment(l string) bool {
	return l[0] == '#' || l[0] == ';' || l[0] == '!' || strings.HasPrefix(l, "//") || strings.HasPrefix(l, "{{/*") || strings.HasPrefix(l, "{#")
}

// hasTemplate reports whether a value holds a template action or a shell
// expansion: it is not a literal.
func hasTemplate(v string) bool {
	for _, m := range []string{"{{", "{%", "${", "$(", "<%"} {
		if strings.Contains(v, m) {
			return true
		}
	}
	return false
}

// imageKey reports whether a key or flag of a text names an image.
func imageKey(k string) bool {
	return IsImageField(k) || imageVar(k) || strings.HasPrefix(k, "-") && imageFlag(k)
}

// refShaped reports whether v has the shape of a reference with a path and
// a tag or digest ("confluentinc/cp-kafka:7.0.0", "quay.io/x/y@sha256:..."):
// what a version map holds.
func refShaped(v string) bool {
	if v == "" || v[0] == '/' || strings.Contains(v, "://") || strings.ContainsAny(v, " \t\"'{}<>") || hasTemplate(v) {
		return false
	}
	slash := strings.LastIndexByte(v, '/')
	if slash < 0 || !strings.ContainsAny(v[slash+1:], ":@") {
		return false
	}
	_, err := reference.Parse(v)
	return err == nil || unmistakable(v)
}

// bareName reports whether v is a plain image name (busybox): lower-case
// letters, digits and separators.
func bareName(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return false
		}
	}
	return true
}

// text scans the text of string value n line by line (see textValues);
// via names what holds it ("env STRIMZI_KAFKA_IMAGES"). Each value found
// is located by a LineStep after the steps to n.
func (w *walker) text(n *yaml.Node, via string) {
	pods := strings.Contains(n.Value, "containers:")
	first := n.Line + w.off
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		first++
	}
	for _, v := range textValues(n.Value, pods) {
		w.push(lineStep(v.line, v.key))
		o := w.origin(n)
		w.pop(1)
		o.At.Line = first + v.line
		o.Via = textVia(via, v)
		if v.entry() {
			o.Version = v.key
		}
		w.record(v.value, o)
	}
}

// entry reports whether v is the entry of a version map (KEY=IMAGE), not
// a line that sets an image.
func (v textValue) entry() bool { return v.key != "" && !v.image }

// textVia says where in a text a value is: "env X, entry 4.2.0", "line 7".
func textVia(via string, v textValue) string {
	where := "line " + strconv.Itoa(v.line+1)
	if v.entry() {
		where = "entry " + v.key
	}
	if via == "" {
		return where
	}
	return via + ", " + where
}
