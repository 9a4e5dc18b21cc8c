package overrides

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// Sentinel markers. Every candidate gets a number; its marker is built so
// that it survives the templates (a valid host, path or tag of the same
// shape as the original) and can be read back from a rendered image:
//
//	registry      c0007.sentinel.invalid
//	repository    sentinel/c0007/<original>, or c0007.sentinel.invalid/<path>
//	              when the original carries a registry host, or
//	              sentinelc0007-<original> for one path part matched by
//	              its text (an image name, a namespace)
//	tag           <original>-c0007
//	reference     c0007.sentinel.invalid/<original path><original tag or digest>
//	string slot   c0007.sentinel.invalid/slot
//	object slot   {registry: c0007.sentinel.invalid, repository: sentinel/c0007/slot, tag: slot-c0007}
//
// A chart-wide candidate (a knob) is marked as its role says.
const sentinelDomain = ".sentinel.invalid"

var (
	hostMarker = regexp.MustCompile(`\bc(\d{4,})\.sentinel\.invalid`)
	pathMarker = regexp.MustCompile(`sentinel/c(\d{4,})/`)
	nameMarker = regexp.MustCompile(`\bsentinelc(\d{4,})-`)
	tagMarker  = regexp.MustCompile(`-c(\d{4,})\b`)
)

func num(id int) string { return fmt.Sprintf("%04d", id) }

func hostOf(id int) string { return "c" + num(id) + sentinelDomain }

// pathValue is a repository written so that it can stand in a path: a
// registry port's ':' would end the name.
func pathValue(s string) string { return strings.ReplaceAll(strings.Trim(s, "/"), ":", "_") }

// written splits a reference as written into its name and its tag and
// digest suffix: "busybox:1.36" -> "busybox", ":1.36".
func written(s string) (name, suffix string) {
	name = s
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name, suffix = name[:i], name[i:]
	}
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, suffix = name[:i], name[i:]+suffix
	}
	return name, suffix
}

// withoutHost drops a leading registry host from a written name.
func withoutHost(name string) string {
	if hostLike(name) && strings.Contains(name, "/") {
		_, rest, _ := strings.Cut(name, "/")
		return rest
	}
	return name
}

// markerValue is the value a candidate is given in a sentinel render.
func (c *candidate) markerValue() any {
	switch c.role {
	case Registry:
		return hostOf(c.id)
	case Repository:
		return c.marker()
	case Tag:
		return c.orig + "-c" + num(c.id)
	case Reference:
		name, suffix := written(c.orig)
		return hostOf(c.id) + "/" + pathValue(withoutHost(name)) + suffix
	case Slot:
		if c.shape == nil {
			return hostOf(c.id) + "/slot"
		}
		obj := map[string]any{}
		for _, k := range c.shape {
			switch k {
			case "registry":
				obj[k] = hostOf(c.id)
			case "repository", "image", "name":
				obj[k] = "sentinel/c" + num(c.id) + "/slot"
			case "tag":
				obj[k] = "slot-c" + num(c.id)
			}
		}
		return obj
	}
	return nil
}

// marker is the text a candidate's marker leaves in a rendered image.
func (c *candidate) marker() string {
	switch c.role {
	case Registry:
		return hostOf(c.id)
	case Repository:
		if c.bare {
			// One path part, kept one: Istio takes a proxy image with a
			// '/' for a whole reference and drops global.hub.
			return "sentinelc" + num(c.id) + "-" + pathValue(c.orig)
		}
		if hostLike(c.orig) && strings.Contains(c.orig, "/") {
			// Keep a host in front: discover takes a --flag=value for an
			// image only when the value starts with one.
			return hostOf(c.id) + "/" + pathValue(withoutHost(c.orig))
		}
		return "sentinel/c" + num(c.id) + "/" + pathValue(c.orig)
	case Tag:
		return "-c" + num(c.id)
	case Reference:
		name, _ := written(c.orig)
		return hostOf(c.id) + "/" + pathValue(withoutHost(name))
	}
	return ""
}

// markersIn returns the candidate numbers whose markers an image carries.
func markersIn(ref string) (ids []int) {
	for _, m := range hostMarker.FindAllStringSubmatch(ref, -1) {
		n, _ := strconv.Atoi(m[1])
		ids = append(ids, n)
	}
	for _, m := range nameMarker.FindAllStringSubmatch(ref, -1) {
		n, _ := strconv.Atoi(m[1])
		ids = append(ids, n)
	}
	for _, m := range pathMarker.FindAllStringSubmatch(ref, -1) {
		n, _ := strconv.Atoi(m[1])
		ids = append(ids, n)
	}
	if _, tag, ok := strings.Cut(ref[strings.LastIndexByte(ref, '/')+1:], ":"); ok {
		tag, _, _ = strings.Cut(tag, "@")
		for _, m := range tagMarker.FindAllStringSubmatch(tag, -1) {
			n, _ := strconv.Atoi(m[1])
			ids = append(ids, n)
		}
	}
	return ids
}

// composition is an image as rendered with markers, the way to predict what
// the chart renders for other values.
type composition string

// compose writes a rendered image for substitution: its name, and its tag
// and digest as rendered. When the name is docker.io/ (or docker.io/library/
// for a one-part name) and a marker, the template may have written it or
// normalisation may have added it: both are returned, the latter first.
func compose(r reference.Reference) []composition {
	suffix := ""
	if r.Tag != "" && !r.TagImplied {
		suffix += ":" + r.Tag
	}
	if r.Digest != "" {
		suffix += "@" + r.Digest
	}
	s := r.Name()
	if rest, ok := strings.CutPrefix(s, "docker.io/"); ok && strings.HasPrefix(rest, "sentinel/c") {
		return []composition{composition(rest + suffix), composition(s + suffix)}
	}
	if rest, ok := strings.CutPrefix(s, "docker.io/library/"); ok && strings.HasPrefix(rest, "sentinelc") {
		return []composition{composition(rest + suffix), composition(s + suffix)}
	}
	return []composition{composition(s + suffix)}
}

// errUnknown reports a composition that cannot be predicted without values
// that were not chosen (an empty original whose marker changed the output).
var errUnknown = errors.New("depends on a value that is not set")

// predict returns the image the chart renders when the candidates in set
// take the given values and all others keep their original values.
func (comp composition) predict(cands map[int]*candidate, set map[int]string) (reference.Reference, error) {
	s, err := comp.substitute(cands, set, 0)
	if err != nil {
		return reference.Reference{}, err
	}
	return reference.Parse(s)
}

// substitute replaces the markers of comp: candidates in set by their
// values, the others by their original values, except the candidate
// numbered except, whose marker is left in place. A marker whose original
// value is unknown (an empty slot that was not set) is errUnknown.
func (comp composition) substitute(cands map[int]*candidate, set map[int]string, except int) (string, error) {
	s := string(comp)
	for _, id := range dedupe(markersIn(s)) {
		if id == except {
			continue
		}
		c := cands[id]
		if c == nil {
			return "", fmt.Errorf("marker %d: %w", id, errUnknown)
		}
		val, chosen := set[id]
		switch {
		case c.role == Slot:
			if !chosen {
				return "", errUnknown
			}
			s = substituteSlot(s, c, val)
		case c.role == Tag:
			s = strings.Replace(s, c.marker(), "", 1)
		case !chosen && c.role == Registry && c.orig == "":
			// An empty registry is usually left out with its "/".
			s = strings.Replace(s, c.marker()+"/", "", 1)
		case chosen:
			s = strings.Replace(s, c.marker(), val, 1)
		case c.role == Reference:
			name, _ := written(c.orig)
			s = strings.Replace(s, c.marker(), name, 1)
		default:
			s = strings.Replace(s, c.marker(), c.orig, 1)
		}
	}
	return s, nil
}

// substituteSlot replaces the markers of a slot by its value: the
// reference for a string slot, "registry|repository|tag" for an object.
func substituteSlot(s string, c *candidate, val string) string {
	if c.shape == nil {
		return strings.Replace(s, hostOf(c.id)+"/slot", val, 1)
	}
	parts := strings.SplitN(val, "|", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	id := num(c.id)
	if parts[0] == "" {
		s = strings.Replace(s, hostOf(c.id)+"/", "", 1)
	}
	s = strings.Replace(s, hostOf(c.id), parts[0], 1)
	s = strings.Replace(s, "sentinel/c"+id+"/slot", parts[1], 1)
	return strings.Replace(s, "slot-c"+id, parts[2], 1)
}

func dedupe(ids []int) []int {
	out := ids[:0:0]
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
