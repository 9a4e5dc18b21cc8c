package reference

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Layout says how a source repository path is laid out under the target.
type Layout int

const (
	// KeepPath drops the source registry and keeps the repository path:
	// quay.io/stackstate/x:1 -> REGISTRY/PREFIX/stackstate/x:1 and
	// busybox:1.36 -> REGISTRY/PREFIX/library/busybox:1.36. The default.
	KeepPath Layout = iota
	// KeepHost keeps the source registry as the first path part:
	// quay.io/stackstate/x:1 -> REGISTRY/PREFIX/quay.io/stackstate/x:1. A
	// port becomes "_PORT" (localhost:5000 -> localhost_5000), since ":"
	// cannot stand in a path.
	KeepHost
	// Flatten keeps only the last path part:
	// quay.io/stackstate/x:1 -> REGISTRY/PREFIX/x:1.
	Flatten
)

// String names the layout as the command line does.
func (l Layout) String() string {
	switch l {
	case KeepHost:
		return "keep-host"
	case Flatten:
		return "flatten"
	}
	return "keep-path"
}

// Mapping maps source images to a target registry. It is the one place
// where airlift decides where an image goes: copy pushes there, and the
// values overrides point the chart there.
type Mapping struct {
	Registry string // "registry.example.com:5000", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
	Prefix   string // path under the registry, "" or "mirror/team"
	Layout   Layout
}

// ParseDestination parses REGISTRY[/PREFIX] as given to --to.
func ParseDestination(s string, layout Layout) (Mapping, error) {
	in := s
	s = strings.TrimSuffix(s, "/")
	if s == "" || strings.ContainsAny(s, " \t\n@") || strings.Contains(s, "://") {
		return Mapping{}, &Error{Input: in, Reason: "destination must be REGISTRY[/PREFIX], without scheme, tag or digest"}
	}
	host, prefix, _ := strings.Cut(s, "/")
	if strings.HasPrefix(prefix, "/") || strings.Contains(prefix, "//") {
		return Mapping{}, &Error{Input: in, Reason: "destination must be REGISTRY[/PREFIX]: the prefix has an empty path part"}
	}
	m := Mapping{Registry: host, Prefix: prefix, Layout: layout}
	// Validate by parsing a reference under it: the rules for hosts and
	// path parts are the parser's.
	probe := host + "/" + strings.TrimPrefix(prefix+"/x", "/")
	r, err := Parse(probe)
	if err != nil || r.Registry != host {
		reason := "not a registry host"
		var e *Error
		if err != nil && errors.As(err, &e) {
			reason = e.Reason
		}
		return Mapping{}, &Error{Input: in, Reason: "destination must be REGISTRY[/PREFIX]: " + reason}
	}
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return Mapping{}, &Error{Input: in, Reason: "destination must start with a registry host (with a dot or a port, or localhost)"}
	}
	return m, nil
}

// String returns REGISTRY[/PREFIX].
func (m Mapping) String() string {
	if m.Prefix == "" {
		return m.Registry
	}
	return m.Registry + "/" + m.Prefix
}

// HostPath is the path element a registry host becomes in the keep-host
// layout: its port written with "_", as a colon may not be in a
// repository name (registry.lan:5000 -> registry.lan_5000).
func HostPath(host string) string { return strings.ReplaceAll(host, ":", "_") }

// Map returns where src goes. Tag and digest are kept.
func (m Mapping) Map(src Reference) (Reference, error) {
	var path string
	switch m.Layout {
	case KeepHost:
		path = HostPath(src.Registry) + "/" + src.Repository
	case Flatten:
		path = src.Repository[strings.LastIndexByte(src.Repository, '/')+1:]
	default:
		path = src.Repository
	}
	if m.Prefix != "" {
		path = m.Prefix + "/" + path
	}
	s := m.Registry + "/" + path
	if src.Tag != "" {
		s += ":" + src.Tag
	}
	if src.Digest != "" {
		s += "@" + src.Digest
	}
	dst, err := Parse(s)
	if err != nil {
		return Reference{}, fmt.Errorf("mapping %s to %s: %w", src, m, err)
	}
	dst.TagImplied = src.TagImplied
	return dst, nil
}

// Pair is a source image and where it goes: what Mapping.MapAll returns
// and what the copy engine (pkg/mirror) copies. Both are fully qualified;
// a Target may have a tag and no digest.
type Pair struct {
	Source, Target Reference
}

// String returns "source -> target".
func (p Pair) String() string { return p.Source.String() + " -> " + p.Target.String() }

// CollisionError reports two or more sources that map to one target.
type CollisionError struct {
	Target  Reference
	Sources []Reference
}

func (e *CollisionError) Error() string {
	names := make([]string, len(e.Sources))
	for i, s := range e.Sources {
		names[i] = s.String()
	}
	return fmt.Sprintf("%s and %s both map to %s", strings.Join(names[:len(names)-1], ", "), names[len(names)-1], e.Target)
}

// MapAll maps every source, drops duplicate sources, and sorts the pairs
// by source. Two different sources mapping to one target is a
// *CollisionError naming both, found before anything is copied (a target
// with the same repository and tag but another digest is a collision too).
func (m Mapping) MapAll(srcs []Reference) ([]Pair, error) {
	seen := map[string]bool{}
	var pairs []Pair
	for _, s := range srcs {
		if seen[s.String()] {
			continue
		}
		seen[s.String()] = true
		t, err := m.Map(s)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, Pair{Source: s, Target: t})
	}
	slices.SortFunc(pairs, func(a, b Pair) int { return cmp.Compare(a.Source.String(), b.Source.String()) })
	byTarget := map[string][]Reference{}
	var keys []string
	for _, p := range pairs {
		k := p.Target.Name() + ":" + p.Target.Tag
		if p.Target.Tag == "" {
			k = p.Target.Name() + "@" + p.Target.Digest
		}
		if len(byTarget[k]) == 0 {
			keys = append(keys, k)
		}
		byTarget[k] = append(byTarget[k], p.Source)
	}
	var errs Collisions
	for _, k := range keys {
		if srcs := byTarget[k]; len(srcs) > 1 {
			t, _ := m.Map(srcs[0])
			errs = append(errs, &CollisionError{Target: t, Sources: srcs})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return pairs, nil
}

// Collisions is every collision of a MapAll, one line.
type Collisions []*CollisionError

func (c Collisions) Error() string {
	msgs := make([]string, len(c))
	for i, e := range c {
		msgs[i] = e.Error()
	}
	return "images collide in the target: " + strings.Join(msgs, "; ")
}

// Unwrap lets errors.As find each *CollisionError.
func (c Collisions) Unwrap() []error {
	out := make([]error, len(c))
	for i, e := range c {
		out[i] = e
	}
	return out
}
