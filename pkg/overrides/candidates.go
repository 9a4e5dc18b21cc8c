package overrides

import (
	"slices"
	"sort"
	"strings"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// candidate is a values path that may control an image.
type candidate struct {
	id    int
	path  Path
	role  Role
	orig  string   // the value the chart sees ("" when empty or unset)
	shape []string // Slot: the keys of the object to set, nil for a string slot
	fixed bool     // Slot: shape is the object's own keys (an unset image object)
	knob  bool     // chart-wide: rendered apart from the per-image candidates
	bare  bool     // Repository matched by its text, one path part: marked without a '/'
}

// internalDefaults is the key under which Istio's charts keep their
// defaults, merged at the root of .Values by a template
// (zzz_profile.yaml): users set the same paths at the root
// (global.hub, not _internal_defaults_do_not_set.global.hub).
const internalDefaults = "_internal_defaults_do_not_set"

// atRoot returns values with the defaults kept under internalDefaults
// merged at the root, where users set them (values set at the root win).
func atRoot(values map[string]any) map[string]any {
	d := asMap(values[internalDefaults])
	if d == nil {
		return values
	}
	rest := make(map[string]any, len(values))
	for k, v := range values {
		if k != internalDefaults {
			rest[k] = v
		}
	}
	return mergeOver(d, rest)
}

// mergeOver returns a copy of base with over merged into it, maps key by
// key, other values replaced.
func mergeOver(base, over map[string]any) map[string]any {
	out := deepCopy(base).(map[string]any)
	for k, v := range over {
		if vm, bm := asMap(v), asMap(out[k]); vm != nil && bm != nil {
			out[k] = mergeOver(bm, vm)
			continue
		}
		out[k] = v
	}
	return out
}

// collector walks values trees and gathers candidates.
type collector struct {
	seen    map[string]*candidate
	skip    []Path                    // subtrees not to walk: disabled charts, subchart globals
	names   map[string]bool           // last path parts of the images the chart renders
	parts   rendered                  // what the rendered images are made of, to match values by content
	scopes  []Path                    // enabled charts' value scopes, longest first
	shapes  map[string]map[string]int // per scope: image object key sets, for slots
	configs map[string]Path           // operator image configurations (ImageConfig v1beta2) in the values
}

// collect finds the per-image candidates and the chart-wide ones (knobs)
// of a chart. images are the images the chart renders with the user's
// values: a string whatever its key is taken when its text is a registry,
// a registry with a path, a repository, a whole reference or an image name
// one of them is made of (key names only hint at shapes). A candidate under
// global, at the root of a chart's values or under a key naming a default
// is chart-wide: it is a fallback the per-image values would hide, so it is
// rendered apart from them.
func collect(c Chart, images []reference.Reference) (perImage, knobs []*candidate) {
	c.Values = atRoot(c.Values)
	enabled, disabled := c.scopes()
	for i := range enabled {
		enabled[i].Defaults = atRoot(enabled[i].Defaults)
	}
	col := &collector{seen: map[string]*candidate{}, names: map[string]bool{}, parts: newRendered(images), shapes: map[string]map[string]int{}, configs: map[string]Path{}}
	for _, img := range images {
		col.names[lastPart(img.Repository)] = true
	}
	for _, s := range enabled {
		col.scopes = append(col.scopes, keysPath(s.Keys))
	}
	sort.SliceStable(col.scopes, func(i, j int) bool { return len(col.scopes[i]) > len(col.scopes[j]) })
	col.skip = append(col.skip, disabled...)
	for _, s := range enabled {
		if len(s.Keys) > 0 {
			col.skip = append(col.skip, keysPath(s.Keys).Child(Key("global")))
		}
	}
	col.walk(c.Values, nil, "", nil)
	for _, s := range enabled {
		col.walk(s.Defaults, keysPath(s.Keys), "", nil)
		// A subchart's globals are set at the top: Helm copies the top
		// chart's global into every subchart's.
		if g := asMap(s.Defaults["global"]); g != nil && len(s.Keys) > 0 {
			col.walk(g, Path{Key("global")}, "global", nil)
		}
	}
	// The de-facto standard knob is tried even where no values.yaml
	// declares it: templates read it with a default.
	col.add(&candidate{path: Path{Key("global"), Key("imageRegistry")}, role: Registry})
	// So is the registry of an operator's image configuration: the
	// operator gives it to every image that names none, and to the images
	// it derives later.
	for _, p := range col.configs {
		col.add(&candidate{path: p.Child(Key("defaults"), Key("registry")), role: Registry})
	}
	for _, cand := range col.seen {
		if cand.role == Slot && cand.shape != nil && !cand.fixed {
			cand.shape = col.slotShape(cand.path)
		}
		if cand.role != Slot && cand.role != Tag && col.general(cand) {
			cand.knob = true
			// A knob's name keeps one path part: a template may take a
			// value with a '/' for a whole reference (Istio's image)
			// and drop the registry the other knobs carry.
			cand.bare = cand.bare || cand.role == Repository && !strings.Contains(cand.orig, "/")
			knobs = append(knobs, cand)
			continue
		}
		perImage = append(perImage, cand)
	}
	sortCandidates(perImage)
	sortCandidates(knobs)
	return perImage, knobs
}

// general reports whether a candidate is chart-wide by its place: under
// global, a registry or repository at the root of a chart's values
// (strimzi's defaultImageRegistry, Istio's hub), or under a key that names
// a default (defaults.registry of an operator's image configuration).
func (col *collector) general(c *candidate) bool {
	if len(c.path) > 0 && c.path[0] == Key("global") {
		return true
	}
	rel := c.path[len(col.scopeOf(c.path)):]
	if len(rel) == 1 && (c.role == Registry || c.role == Repository) {
		return true
	}
	for _, s := range rel {
		if k := strings.ToLower(s.Key); strings.Contains(k, "default") || k == "overrides" {
			return true
		}
	}
	return false
}

func sortCandidates(cs []*candidate) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].path.String() < cs[j].path.String() })
}

// walk visits a values tree; parentKey is the key of v in its parent, obj
// the map v is in.
func (col *collector) walk(v any, p Path, parentKey string, obj map[string]any) {
	for _, s := range col.skip {
		if p.HasPrefix(s) {
			return
		}
	}
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 && isImageKey(parentKey) && len(p) > 0 {
			col.add(&candidate{path: p, role: Slot, shape: []string{}})
			return
		}
		if shape := unsetImageObject(t); shape != nil && len(p) > 0 {
			col.add(&candidate{path: p, role: Slot, shape: shape, fixed: true})
			return
		}
		if imageConfigValues(t) {
			col.configs[p.String()] = p
		}
		if imageObject(t) {
			scope := col.scopeOf(p).String()
			if col.shapes[scope] == nil {
				col.shapes[scope] = map[string]int{}
			}
			col.shapes[scope][objectShape(t)]++
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			col.field(t[k], p.Child(Key(k)), k, t)
		}
	case []any:
		for i, e := range t {
			switch e.(type) {
			case map[string]any, []any:
				col.walk(e, p.Child(Index(i)), parentKey, nil)
			default:
				col.field(e, p.Child(Index(i)), "", nil)
			}
		}
	}
}

// field classifies one value of a map (k its key, obj the map) or of a
// list (k and obj empty).
func (col *collector) field(v any, p Path, k string, obj map[string]any) {
	s, scalar := stringish(v)
	if !scalar {
		col.walk(v, p, k, obj)
		return
	}
	isObj := obj != nil && imageObject(obj)
	switch {
	case k != "" && isRegistryKey(k):
		if s == "" || hostLike(s+"/x") {
			col.add(&candidate{path: p, role: Registry, orig: s})
		}
	case s == "":
		if v != nil && isImageKey(k) && !isObj {
			col.add(&candidate{path: p, role: Slot})
		}
	case strings.ContainsAny(s, " \t\n{}"):
	case isRepositoryKey(k) || (k == "image" || k == "name") && isObj && (k == "image" || hasTag(obj)):
		col.add(&candidate{path: p, role: Repository, orig: s})
	case isTagKey(k, isObj):
		col.add(&candidate{path: p, role: Tag, orig: s})
	case k == "digest" || k == "sha" || k == "pullPolicy":
	default:
		if role := col.parts.match(s, isImageKey(k) || imageHint(p)); role != 0 {
			col.add(&candidate{path: p, role: role, orig: s, bare: role == Repository && !strings.Contains(s, "/")})
		}
	}
}

// imageHint reports whether a key on p speaks of images: a bare name
// ("system-logger", "strimzi") is matched by its text only there.
func imageHint(p Path) bool {
	for _, s := range p {
		k := strings.ToLower(s.Key)
		for _, w := range []string{"image", "registry", "repo", "hub", "namespace"} {
			if strings.Contains(k, w) {
				return true
			}
		}
	}
	return false
}

// rendered holds what the images a chart renders are made of.
type rendered struct {
	names    map[string]bool // registry/repository of each image
	prefixes map[string]bool // their leading parts at a '/', registry included
	segments map[string]bool // runs of repository parts at '/' boundaries, no registry
	last     map[string]bool // last repository parts
}

func newRendered(images []reference.Reference) rendered {
	r := rendered{names: map[string]bool{}, prefixes: map[string]bool{}, segments: map[string]bool{}, last: map[string]bool{}}
	for _, img := range images {
		name := img.Name()
		r.names[name] = true
		parts := strings.Split(img.Repository, "/")
		r.last[parts[len(parts)-1]] = true
		r.prefixes[img.Registry] = true
		for i := range parts {
			r.prefixes[img.Registry+"/"+strings.Join(parts[:i], "/")] = true
			for j := i + 1; j <= len(parts); j++ {
				r.segments[strings.Join(parts[i:j], "/")] = true
			}
		}
		if img.Registry == "docker.io" && parts[0] == "library" {
			r.segments[strings.Join(parts[1:], "/")] = true
		}
	}
	return r
}

// match returns the role a value takes by its text: a whole reference to a
// rendered image, a registry (with a path) a rendered image starts with,
// or a repository, a namespace or an image name a rendered image is made
// of; 0 for anything else. Bare names count only when hinted.
func (r rendered) match(s string, hinted bool) Role {
	if s == "" || strings.ContainsAny(s, " \t\n{}\"'=,;") {
		return 0
	}
	name, suffix := written(s)
	if ref, err := reference.Parse(s); err == nil && suffix != "" && r.last[lastPart(ref.Repository)] {
		return Reference
	}
	name = strings.Trim(name, "/")
	if suffix != "" || name == "" {
		return 0
	}
	if hostLike(name + "/x") {
		switch {
		case strings.Contains(name, "/") && r.names[name]:
			return Repository
		case r.prefixes[name]:
			return Registry
		}
		return 0
	}
	if !strings.Contains(name, "/") && !hinted {
		return 0
	}
	if r.segments[name] {
		return Repository
	}
	return 0
}

// imageConfigValues reports whether m is an operator's image configuration
// given as values (cass-operator's ImageConfig v1beta2, as k8ssandra's
// charts keep it under global.imageConfig): images of {repository, name,
// ...} objects, with defaults, overrides or types next to them.
func imageConfigValues(m map[string]any) bool {
	images := asMap(m["images"])
	if images == nil || m["defaults"] == nil && m["overrides"] == nil && m["types"] == nil {
		return false
	}
	for _, v := range images {
		if img := asMap(v); img == nil || img["name"] == nil && img["repository"] == nil {
			return false
		}
	}
	return len(images) > 0
}

// unsetImageObject returns the image keys of an image object left unset
// ({repository: "", tag: ""}): the chart renders a setting from it only
// when it is filled in, and the program it is for uses its own default
// until then (the OpenTelemetry operator's auto-instrumentation images).
// It returns nil for anything else.
func unsetImageObject(m map[string]any) []string {
	_, repo := m["repository"]
	_, tag := m["tag"]
	if !repo || !tag {
		return nil
	}
	var shape []string
	for k, v := range m {
		switch k {
		case "registry", "repository", "tag", "digest":
			if s, ok := stringish(v); !ok || s != "" {
				return nil
			}
		case "pullPolicy", "imagePullPolicy":
			continue
		default:
			return nil
		}
	}
	for _, k := range []string{"registry", "repository", "tag"} {
		if _, ok := m[k]; ok {
			shape = append(shape, k)
		}
	}
	return shape
}

func hasTag(m map[string]any) bool {
	_, tag := m["tag"]
	return tag
}

func (col *collector) add(c *candidate) {
	key := c.path.String()
	if _, ok := col.seen[key]; !ok {
		col.seen[key] = c
	}
}

// objectShape names the image keys of an image object: "registry,repository,tag".
func objectShape(m map[string]any) string {
	var keys []string
	for _, k := range []string{"registry", "repository", "image", "name", "tag", "digest", "sha"} {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	return strings.Join(keys, ",")
}

// scopeOf returns the scope of the chart whose values hold p.
func (col *collector) scopeOf(p Path) Path {
	for _, s := range col.scopes {
		if p.HasPrefix(s) {
			return s
		}
	}
	return nil
}

// slotShape is the most common image object shape of the chart whose
// values hold p, the shape given to an empty image object there;
// {registry, repository, tag} when that chart has none.
func (col *collector) slotShape(p Path) []string {
	best, n := "registry,repository,tag", 0
	for s, c := range col.shapes[col.scopeOf(p).String()] {
		if !strings.Contains(s, "repository") && !strings.Contains(s, "image") {
			continue
		}
		if c > n || c == n && s < best {
			best, n = s, c
		}
	}
	return strings.Split(best, ",")
}
