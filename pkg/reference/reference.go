package reference

import (
	// go-digest only accepts an algorithm whose hash is linked into the
	// binary; without these imports every "sha256:..." digest is rejected as
	// "unsupported digest algorithm".
	_ "crypto/sha256"
	_ "crypto/sha512"
	"strings"

	distref "github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// defaultTag is the tag a runtime pulls when a reference has neither a tag
// nor a digest.
const defaultTag = "latest"

// Reference is a normalised image reference.
type Reference struct {
	Registry   string // "docker.io", "quay.io", "localhost:5000", "registry.example.com:443"
	Repository string // path in the registry: "library/busybox", "prometheus/node-exporter"
	Tag        string // "1.36"; "latest" when the input had neither tag nor digest
	Digest     string // "sha256:<64 hex>" or ""
	TagImplied bool   // true when Tag was filled in as "latest" because the input had no tag and no digest
}

// Parse parses and normalises s the way container runtimes do, using
// distribution/reference's ParseNormalizedNamed. It returns *Error (which
// wraps ErrInvalid) on bad input.
//
// Beyond the library's own rules, Parse rejects upper case in the registry,
// which the library accepts (and, for a first path component such as
// "Grafana/grafana", silently treats as a registry host), and a first
// component that the library takes for a registry but that is not a valid
// host ("my_registry.example.com/app"), for which the library returns a
// reference without a registry.
func Parse(s string) (Reference, error) {
	named, err := distref.ParseNormalizedNamed(s)
	if err != nil {
		return Reference{}, newError(s, err)
	}
	r := Reference{
		Registry:   distref.Domain(named),
		Repository: distref.Path(named),
	}
	if r.Registry == "" {
		// ParseNormalizedNamed split off a first component with "." or ":"
		// as the registry, but it is not a valid host ("my_host.io/x"); the
		// library then re-reads the whole name as a path and returns a
		// reference with no registry at all.
		return Reference{}, &Error{Input: s, Reason: badRegistryReason}
	}
	if strings.ToLower(r.Registry) != r.Registry {
		return Reference{}, &Error{Input: s, Reason: uppercaseRegistryReason(r.Registry)}
	}
	if t, ok := named.(distref.Tagged); ok {
		r.Tag = t.Tag()
	}
	if d, ok := named.(distref.Digested); ok {
		r.Digest = d.Digest().String()
	}
	if r.Tag == "" && r.Digest == "" {
		r.Tag, r.TagImplied = defaultTag, true
	}
	return r, nil
}

// MustParse is like Parse but panics on error. It is meant for tests and
// examples only.
func MustParse(s string) Reference {
	r, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return r
}

// String returns the full normalised form registry/repository[:tag][@digest],
// e.g. "docker.io/library/busybox:1.36". An implied "latest" is printed. The
// zero Reference prints as "".
func (r Reference) String() string {
	if r.IsZero() {
		return ""
	}
	s := r.Name()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// Name returns registry/repository, e.g. "docker.io/library/busybox".
func (r Reference) Name() string {
	if r.Registry == "" {
		return r.Repository
	}
	return r.Registry + "/" + r.Repository
}

// Familiar returns the short form docker prints: "busybox:1.36",
// "grafana/grafana:7.5.17", "quay.io/x/y:1". The docker.io registry and the
// library/ namespace of one-part Docker Hub names are dropped; the tag
// (including an implied "latest") and digest are kept. If r does not hold a
// valid reference, or the short form would name another image (a Docker Hub
// namespace that looks like a host, as in "docker.io/a.b/c"), Familiar
// returns r.String().
func (r Reference) Familiar() string {
	if r.IsZero() {
		return ""
	}
	var named distref.Named
	named, err := distref.WithName(r.Name())
	if err == nil && r.Tag != "" {
		named, err = distref.WithTag(named, r.Tag)
	}
	if err == nil && r.Digest != "" {
		var d distref.Canonical
		d, err = distref.WithDigest(named, digest.Digest(r.Digest))
		named = d
	}
	if err != nil {
		return r.String()
	}
	f := distref.FamiliarString(named)
	// The library drops docker.io even when the Hub namespace looks like a
	// host ("docker.io/a.b/c" would become "a.b/c", registry "a.b"); keep
	// the full form whenever the short one means another image.
	if back, err := distref.ParseNormalizedNamed(f); err != nil || back.Name() != named.Name() {
		return r.String()
	}
	return f
}

// IsZero reports whether r is the zero value.
func (r Reference) IsZero() bool {
	return r == Reference{}
}
