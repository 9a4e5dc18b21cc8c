package reference

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	distref "github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// badRegistryReason is the reason for a registry that is not a valid host.
const badRegistryReason = "invalid registry host or port"

// maxTagLen is the longest tag the reference grammar allows.
const maxTagLen = 128

var (
	// anchoredDomain and anchoredIdentifier are the library's own patterns,
	// anchored; they only pick the reason, never decide validity.
	anchoredDomain     = regexp.MustCompile(`^(?:` + distref.DomainRegexp.String() + `)$`)
	anchoredIdentifier = regexp.MustCompile(`^(?:` + distref.IdentifierRegexp.String() + `)$`)

	// placeholderName is a valid name to check a tag or digest against.
	placeholderName, _ = distref.WithName("x")
)

// reason explains why s, which distribution/reference rejected with err, is
// not a valid reference. The library's own errors are often just "invalid
// reference format", or blame the wrong part (an upper-case digest algorithm
// is reported as an upper-case repository name), so the input is examined
// part by part, checking each with the library.
func reason(s string, err error) string {
	switch {
	case s == "":
		return "reference is empty"
	case strings.Contains(s, "{{") || strings.Contains(s, "}}"):
		return "contains an unrendered template expression"
	case strings.Contains(s, "<no value>"):
		return `contains the template output "<no value>"`
	case strings.Contains(s, "://"):
		return "must not include a URL scheme"
	case strings.ContainsFunc(s, unicode.IsSpace):
		return "contains whitespace"
	}
	if i := strings.IndexFunc(s, notInGrammar); i >= 0 {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return "is not valid UTF-8"
		}
		return fmt.Sprintf("contains invalid character %q", r)
	}
	if anchoredIdentifier.MatchString(s) {
		return "is a 64-character hexadecimal image ID, not a reference"
	}

	if strings.Count(s, "@") > 1 {
		return `contains more than one "@"`
	}
	nameTag, dgst, hasDigest := strings.Cut(s, "@")
	name, tag, hasTag := splitTag(nameTag)
	if _, _, twice := splitTag(name); hasTag && twice {
		return `contains more than one ":" tag separator`
	}
	if hasDigest {
		if r := digestReason(dgst); r != "" {
			return r
		}
	}
	if hasTag {
		if r := tagReason(tag); r != "" {
			return r
		}
	}
	if r := nameReason(name); r != "" {
		return r
	}
	return strings.TrimPrefix(err.Error(), distref.ErrReferenceInvalidFormat.Error()+": ")
}

// splitTag splits name[:tag]; a ":" before the last "/" belongs to a port.
func splitTag(s string) (name, tag string, ok bool) {
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func digestReason(d string) string {
	if d == "" {
		return "digest is empty"
	}
	parsed, err := digest.Parse(d)
	switch {
	case errors.Is(err, digest.ErrDigestUnsupported):
		return fmt.Sprintf("unsupported digest algorithm %q", d[:strings.IndexByte(d, ':')])
	case err != nil:
		return err.Error() // e.g. "invalid checksum digest length"
	}
	if _, err := distref.WithDigest(placeholderName, parsed); err != nil {
		return err.Error()
	}
	return ""
}

func tagReason(tag string) string {
	switch {
	case tag == "":
		return "tag is empty"
	case len(tag) > maxTagLen:
		return fmt.Sprintf("tag must not be more than %d characters", maxTagLen)
	}
	if _, err := distref.WithTag(placeholderName, tag); err != nil {
		return err.Error() // "invalid tag format"
	}
	return ""
}

func nameReason(name string) string {
	if name == "" {
		return "repository name is empty"
	}
	_, err := distref.ParseNormalizedNamed(name)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, distref.ErrNameContainsUppercase), strings.HasSuffix(err.Error(), "must be lowercase"):
		// ParseNormalizedNamed's own message embeds the name; use the
		// library's sentinel text instead.
		return distref.ErrNameContainsUppercase.Error()
	case errors.Is(err, distref.ErrNameTooLong):
		return err.Error()
	case strings.HasPrefix(name, "/"):
		return `repository name must not start with "/"`
	case strings.HasSuffix(name, "/"):
		return `repository name must not end with "/"`
	case strings.Contains(name, "//"):
		return `repository name must not contain "//"`
	}
	if host, _, ok := strings.Cut(name, "/"); ok && strings.ContainsAny(host, ".:[]") && !anchoredDomain.MatchString(host) {
		return badRegistryReason
	}
	return "repository path components must be lowercase letters and digits separated by '.', '_', '__' or '-'"
}

// notInGrammar reports whether r can appear nowhere in a valid reference.
func notInGrammar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return false
	}
	return !strings.ContainsRune("._-/:@[]+", r)
}

// uppercaseRegistryReason explains an upper-case registry, which the library
// accepts. A first component without ".", ":" or "[" ("Grafana/grafana") is a
// registry only because it has upper case; the user meant a repository.
func uppercaseRegistryReason(registry string) string {
	if !strings.ContainsAny(registry, ".:[") {
		return distref.ErrNameContainsUppercase.Error()
	}
	return "registry name must be lowercase"
}
