package reference

import (
	"errors"
	"strings"
	"testing"
)

// hex64 is a well-formed sha256 digest value.
var hex64 = strings.Repeat("0123456789abcdef", 4)

type validCase struct {
	name     string
	in       string
	want     Reference
	str      string // want String()
	familiar string // want Familiar()
}

func hub(repo, tag string) Reference {
	return Reference{Registry: "docker.io", Repository: repo, Tag: tag}
}

func implied(r Reference) Reference {
	r.Tag, r.TagImplied = "latest", true
	return r
}

var validCases = []validCase{
	{"official image without tag", "busybox",
		implied(hub("library/busybox", "")), "docker.io/library/busybox:latest", "busybox:latest"},
	{"official image with tag", "busybox:1.36",
		hub("library/busybox", "1.36"), "docker.io/library/busybox:1.36", "busybox:1.36"},
	{"hub user image", "grafana/grafana:7.5.17",
		hub("grafana/grafana", "7.5.17"), "docker.io/grafana/grafana:7.5.17", "grafana/grafana:7.5.17"},
	{"index.docker.io with library", "index.docker.io/library/nginx:1",
		hub("library/nginx", "1"), "docker.io/library/nginx:1", "nginx:1"},
	{"index.docker.io without library", "index.docker.io/nginx:1",
		hub("library/nginx", "1"), "docker.io/library/nginx:1", "nginx:1"},
	{"docker.io gains library and latest", "docker.io/nginx",
		implied(hub("library/nginx", "")), "docker.io/library/nginx:latest", "nginx:latest"},
	{"explicit library namespace", "library/busybox:1.36",
		hub("library/busybox", "1.36"), "docker.io/library/busybox:1.36", "busybox:1.36"},
	{"already canonical", "docker.io/library/busybox:1.36",
		hub("library/busybox", "1.36"), "docker.io/library/busybox:1.36", "busybox:1.36"},
	{"nested library path keeps library in familiar form", "docker.io/library/a/b:1",
		hub("library/a/b", "1"), "docker.io/library/a/b:1", "library/a/b:1"},
	// distribution/reference only rewrites index.docker.io; registry-1.docker.io
	// (Docker Hub's real host) is an ordinary registry and gains no library/.
	// Found by FuzzParse: the library's familiar form "a.b/c:1" would name
	// registry a.b, so Familiar keeps docker.io.
	{"hub namespace that looks like a host", "docker.io/a.b/c:1",
		hub("a.b/c", "1"), "docker.io/a.b/c:1", "docker.io/a.b/c:1"},
	{"hub namespace named localhost", "docker.io/localhost/x:1",
		hub("localhost/x", "1"), "docker.io/localhost/x:1", "docker.io/localhost/x:1"},
	{"hub namespace with dots fuzz input", "docker.io/0.0/0",
		implied(hub("0.0/0", "")), "docker.io/0.0/0:latest", "docker.io/0.0/0:latest"},
	{"registry-1.docker.io is not rewritten", "registry-1.docker.io/nginx:1",
		Reference{Registry: "registry-1.docker.io", Repository: "nginx", Tag: "1"},
		"registry-1.docker.io/nginx:1", "registry-1.docker.io/nginx:1"},
	{"index.docker.io with port is not rewritten", "index.docker.io:443/x:1",
		Reference{Registry: "index.docker.io:443", Repository: "x", Tag: "1"},
		"index.docker.io:443/x:1", "index.docker.io:443/x:1"},
	{"localhost without port", "localhost/foo:1",
		Reference{Registry: "localhost", Repository: "foo", Tag: "1"}, "localhost/foo:1", "localhost/foo:1"},
	{"localhost with port", "localhost:5000/a/b:2",
		Reference{Registry: "localhost:5000", Repository: "a/b", Tag: "2"}, "localhost:5000/a/b:2", "localhost:5000/a/b:2"},
	// A single component is always a Docker Hub name, even if it looks like a host.
	{"bare localhost is a hub image", "localhost",
		implied(hub("library/localhost", "")), "docker.io/library/localhost:latest", "localhost:latest"},
	{"bare host:port is a hub image with a tag", "quay.io:5000",
		hub("library/quay.io", "5000"), "docker.io/library/quay.io:5000", "quay.io:5000"},
	{"registry with port", "myregistry.example.com:5443/team/app:1.0",
		Reference{Registry: "myregistry.example.com:5443", Repository: "team/app", Tag: "1.0"},
		"myregistry.example.com:5443/team/app:1.0", "myregistry.example.com:5443/team/app:1.0"},
	{"ipv6 registry with port", "[::1]:5000/a:1",
		Reference{Registry: "[::1]:5000", Repository: "a", Tag: "1"}, "[::1]:5000/a:1", "[::1]:5000/a:1"},
	{"ipv4 registry", "10.0.0.1:5000/a",
		implied(Reference{Registry: "10.0.0.1:5000", Repository: "a"}), "10.0.0.1:5000/a:latest", "10.0.0.1:5000/a:latest"},
	{"ecr public keeps library in path", "public.ecr.aws/docker/library/busybox:1",
		Reference{Registry: "public.ecr.aws", Repository: "docker/library/busybox", Tag: "1"},
		"public.ecr.aws/docker/library/busybox:1", "public.ecr.aws/docker/library/busybox:1"},
	{"tag and digest both kept", "quay.io/a/b:v1@sha256:" + hex64,
		Reference{Registry: "quay.io", Repository: "a/b", Tag: "v1", Digest: "sha256:" + hex64},
		"quay.io/a/b:v1@sha256:" + hex64, "quay.io/a/b:v1@sha256:" + hex64},
	{"digest only", "a@sha256:" + hex64,
		Reference{Registry: "docker.io", Repository: "library/a", Digest: "sha256:" + hex64},
		"docker.io/library/a@sha256:" + hex64, "a@sha256:" + hex64},
	{"sha512 digest", "a@sha512:" + hex64 + hex64,
		Reference{Registry: "docker.io", Repository: "library/a", Digest: "sha512:" + hex64 + hex64},
		"docker.io/library/a@sha512:" + hex64 + hex64, "a@sha512:" + hex64 + hex64},
	{"upper case tag", "busybox:V1",
		hub("library/busybox", "V1"), "docker.io/library/busybox:V1", "busybox:V1"},
	{"tag of 128 characters", "a:" + strings.Repeat("x", 128),
		hub("library/a", strings.Repeat("x", 128)), "docker.io/library/a:" + strings.Repeat("x", 128), "a:" + strings.Repeat("x", 128)},
	{"separators in path", "a__b/c--d/e.f_g:1",
		hub("a__b/c--d/e.f_g", "1"), "docker.io/a__b/c--d/e.f_g:1", "a__b/c--d/e.f_g:1"},
	// Like docker, a bare digest is an image called "sha256" with the hex as tag.
	{"bare digest is a hub image named sha256", "sha256:" + hex64,
		hub("library/sha256", hex64), "docker.io/library/sha256:" + hex64, "sha256:" + hex64},
	{"64-hex name with a tag", hex64 + ":1",
		hub("library/"+hex64, "1"), "docker.io/library/" + hex64 + ":1", hex64 + ":1"},
}

type invalidCase struct {
	name   string
	in     string
	reason string
}

var invalidCases = []invalidCase{
	{"empty", "", "reference is empty"},
	{"leading space", " busybox", "contains whitespace"},
	{"trailing space", "busybox ", "contains whitespace"},
	{"trailing newline", "busybox\n", "contains whitespace"},
	{"inner space", "busy box", "contains whitespace"},
	{"inner tab", "busybox:\t1", "contains whitespace"},
	{"unicode line separator", "a:1\u2028", "contains whitespace"},
	{"upper case repository", "Busybox", "repository name must be lowercase"},
	{"upper case repository with tag", "Busybox:1", "repository name must be lowercase"},
	{"upper case path on quay", "quay.io/Org/x", "repository name must be lowercase"},
	{"upper case first component is taken as a registry", "Grafana/grafana", "repository name must be lowercase"},
	{"upper case registry", "Quay.io/x", "registry name must be lowercase"},
	{"upper case localhost", "LOCALHOST/x", "repository name must be lowercase"},
	{"tag only", ":tag", "repository name is empty"},
	{"digest only without name", "@sha256:" + hex64, "repository name is empty"},
	{"empty tag", "a:", "tag is empty"},
	{"empty digest", "a@", "digest is empty"},
	{"empty digest after tag", "a:1@", "digest is empty"},
	{"short digest", "a@sha256:short", "invalid checksum digest length"},
	{"unsupported digest algorithm", "a@md5:" + hex64, `unsupported digest algorithm "md5"`},
	{"upper case digest algorithm", "a@SHA256:" + hex64, "invalid checksum digest format"},
	{"upper case digest hex", "a@sha256:" + strings.ToUpper(hex64), "invalid checksum digest format"},
	{"two digests", "a@sha256:" + hex64 + "@sha256:" + hex64, `contains more than one "@"`},
	{"two tags", "a:b:c", `contains more than one ":" tag separator`},
	{"two tags after port", "localhost:5000:1", `contains more than one ":" tag separator`},
	{"64-hex identifier", hex64, "is a 64-character hexadecimal image ID, not a reference"},
	{"http scheme", "http://quay.io/x", "must not include a URL scheme"},
	{"oci scheme", "oci://quay.io/x:1", "must not include a URL scheme"},
	{"tag of 129 characters", "a:" + strings.Repeat("x", 129), "tag must not be more than 128 characters"},
	{"tag starting with dash", "a:-1", "invalid tag format"},
	{"template expression", "{{ .Values.image }}", "contains an unrendered template expression"},
	{"template expression without spaces", "repo/{{.Values.tag}}", "contains an unrendered template expression"},
	{"template no value", "<no value>", `contains the template output "<no value>"`},
	{"template no value as tag", "busybox:<no value>", `contains the template output "<no value>"`},
	{"double slash", "a//b", `repository name must not contain "//"`},
	{"trailing slash", "a/", `repository name must not end with "/"`},
	{"leading slash", "/a", `repository name must not start with "/"`},
	{"leading dash", "-a", "repository path components must be lowercase letters and digits separated by '.', '_', '__' or '-'"},
	{"double dot", "a..b", "repository path components must be lowercase letters and digits separated by '.', '_', '__' or '-'"},
	{"triple underscore", "a___b", "repository path components must be lowercase letters and digits separated by '.', '_', '__' or '-'"},
	{"bad port", "quay.io:abc/x", "invalid registry host or port"},
	// Found by FuzzParse: the library returned a reference with no registry.
	{"underscore in registry host", "0_0.0/0", "invalid registry host or port"},
	{"underscore in registry name", "my_registry.example.com/app:1", "invalid registry host or port"},
	{"registry host ending in dash", "a-.example.com/app", "invalid registry host or port"},
	{"repository too long", "a/" + strings.Repeat("b", 300), "repository name must not be more than 255 characters"},
	{"nul byte", "a\x00b", `contains invalid character '\x00'`},
	{"non-ascii letter", "bусybox", `contains invalid character 'у'`},
	{"invalid utf-8", "quay.io/a:\xff", "is not valid UTF-8"},
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("Parse(%q) = %#v, want %#v", tc.in, got, tc.want)
			}
			if s := got.String(); s != tc.str {
				t.Errorf("String() = %q, want %q", s, tc.str)
			}
			if f := got.Familiar(); f != tc.familiar {
				t.Errorf("Familiar() = %q, want %q", f, tc.familiar)
			}
			if n := got.Name(); n != tc.want.Registry+"/"+tc.want.Repository {
				t.Errorf("Name() = %q", n)
			}
			if got.IsZero() {
				t.Error("IsZero() = true")
			}
		})
	}
}

// TestRoundTrip checks that String and Familiar parse back to the same
// reference; the implied tag becomes explicit.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := MustParse(tc.in)
			want := r
			want.TagImplied = false
			for _, s := range []string{r.String(), r.Familiar()} {
				got, err := Parse(s)
				if err != nil {
					t.Fatalf("Parse(%q): %v", s, err)
				}
				if got != want {
					t.Errorf("Parse(%q) = %#v, want %#v", s, got, want)
				}
			}
			if n := MustParse(r.Name()); n.Name() != r.Name() {
				t.Errorf("Name() %q re-parses to %q", r.Name(), n.Name())
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range invalidCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error", tc.in, got)
			}
			if !got.IsZero() {
				t.Errorf("Parse(%q) returned non-zero %#v with error", tc.in, got)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if e.Input != tc.in {
				t.Errorf("Input = %q, want %q", e.Input, tc.in)
			}
			if e.Reason != tc.reason {
				t.Errorf("Reason = %q, want %q", e.Reason, tc.reason)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r") {
				t.Errorf("Error() is not one line: %q", msg)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	long := "a/" + strings.Repeat("b", 300)
	multibyte := strings.Repeat("é", 150) // 300 bytes; byte 200 starts a rune
	odd := "x" + strings.Repeat("é", 150) // byte 200 is inside a rune
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"lowercase", &Error{Input: "Busybox:1", Reason: "repository name must be lowercase"},
			`invalid image reference "Busybox:1": repository name must be lowercase`},
		{"control characters quoted", &Error{Input: "a\nb\x1b", Reason: "contains whitespace"},
			`invalid image reference "a\nb\x1b": contains whitespace`},
		{"no reason", &Error{Input: "x"}, `invalid image reference "x"`},
		{"reason with newline", &Error{Input: "x", Reason: "a\nb"}, `invalid image reference "x": a\nb`},
		{"long input truncated", &Error{Input: long, Reason: "r"},
			`invalid image reference "a/` + strings.Repeat("b", 198) + `"…: r`},
		{"truncated at rune boundary", &Error{Input: multibyte, Reason: "r"},
			`invalid image reference "` + strings.Repeat("é", 100) + `"…: r`},
		{"truncation does not split a rune", &Error{Input: odd, Reason: "r"},
			`invalid image reference "x` + strings.Repeat("é", 99) + `"…: r`},
		{"exactly 200 bytes not truncated", &Error{Input: strings.Repeat("a", 200)},
			`invalid image reference "` + strings.Repeat("a", 200) + `"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tc.want)
			}
			if !errors.Is(tc.err, ErrInvalid) {
				t.Error("does not wrap ErrInvalid")
			}
		})
	}
	t.Run("from Parse", func(t *testing.T) {
		t.Parallel()
		_, err := Parse("Busybox:1")
		want := `invalid image reference "Busybox:1": repository name must be lowercase`
		if err == nil || err.Error() != want {
			t.Errorf("Parse error = %v, want %s", err, want)
		}
	})
}

func TestZeroValue(t *testing.T) {
	t.Parallel()
	var r Reference
	if !r.IsZero() {
		t.Error("zero IsZero() = false")
	}
	if r.String() != "" || r.Familiar() != "" {
		t.Errorf("zero String() = %q, Familiar() = %q, want empty", r.String(), r.Familiar())
	}
}

func TestFamiliarOfInvalidFallsBackToString(t *testing.T) {
	t.Parallel()
	r := Reference{Registry: "docker.io", Repository: "Bad", Tag: "1"}
	if got, want := r.Familiar(), "docker.io/Bad:1"; got != want {
		t.Errorf("Familiar() = %q, want %q", got, want)
	}
}

func TestMustParsePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("MustParse did not panic")
		}
	}()
	MustParse("Busybox")
}
