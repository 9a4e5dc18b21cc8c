package chart

import (
	"errors"
	"strings"
	"testing"
)

// TestErrorMessages: every typed error is one line (oneline.Flatten) and
// carries no credentials (redact.String), whatever its cause says.
func TestErrorMessages(t *testing.T) {
	t.Parallel()
	cause := errors.New("a/templates/cm.yaml:6:19\n  executing \"a/templates/cm.yaml\" at <.Values.x>:\n    nil pointer")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "render error", err: &RenderError{Chart: "a", Err: cause},
			want: `rendering chart "a": a/templates/cm.yaml:6:19; executing "a/templates/cm.yaml" at <.Values.x>: nil pointer`},
		{name: "fetch error with userinfo", err: &FetchError{URL: "https://user:pass@example.com/x", Err: errors.New("401\nUnauthorized")},
			want: "fetching https://example.com/x: 401; Unauthorized"},
		{name: "fetch error with a signed URL", err: &FetchError{URL: "https://b.s3.example/c.tgz?X-Amz-Signature=abc", Err: errors.New("403")},
			want: "fetching https://b.s3.example/c.tgz?X-Amz-Signature=xxxxx: 403"},
		{name: "not found", err: &NotFoundError{Chart: "app", Version: "1.x", Location: "https://tok@charts.example", Err: errors.New("no   such\nversion")},
			want: `chart "app" version "1.x" not found in https://charts.example: no such; version`},
		{name: "values error", err: &ValuesError{Source: "--set a[=1", Err: errors.New("bad"), kind: valuesFromFlag},
			want: `invalid --set "a[=1": bad`},
		{name: "load error", err: &LoadError{Chart: "./c", Err: errors.New("Chart.yaml:\n  missing name")},
			want: `loading chart "./c": Chart.yaml: missing name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRedactFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
	}{
		{name: "fetch error", err: &FetchError{URL: "https://u:hunter22@example.com/index.yaml", Err: errors.New("bad")}},
		{name: "wrapped fetch error", err: &LoadError{Chart: "x", Err: &FetchError{URL: "https://u:hunter22@example.com", Err: errors.New("bad")}}},
		{name: "not found", err: &NotFoundError{Chart: "app", Location: "https://u:hunter22@example.com/charts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := redactFields(tt.err)
			if strings.Contains(err.Error(), "hunter22") || strings.Contains(err.Error(), "u:") {
				t.Errorf("Error() = %q still has the secret", err)
			}
			var fe *FetchError
			if errors.As(tt.err, &fe) && strings.Contains(fe.URL, "@") {
				t.Errorf("FetchError.URL = %q keeps its userinfo", fe.URL)
			}
		})
	}
}

func TestGuardRecoversPanics(t *testing.T) {
	t.Parallel()
	render := func() (r *Rendered, err error) {
		defer guard(Source{Chart: "odd"}, nil, &err, func() { r = nil })
		r = &Rendered{}
		panic("index out of range")
	}
	r, err := render()
	var re *RenderError
	if r != nil || !errors.As(err, &re) || !strings.Contains(err.Error(), "index out of range") {
		t.Errorf("got %v, %v; want a nil result and a *RenderError", r, err)
	}
}

func TestIndexFind(t *testing.T) {
	t.Parallel()
	idx, err := parseIndex([]byte(`apiVersion: v1
entries:
  app:
    - {name: app, version: 1.0.0, urls: [app-1.0.0.tgz]}
    - {name: app, version: 2.0.0-beta.1, urls: [app-2.0.0-beta.1.tgz]}
    - {name: app, version: not-semver, urls: [odd.tgz]}
    - {name: app, version: 1.2.0, urls: [app-1.2.0.tgz]}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		version, want string
	}{
		{"", "1.2.0"},
		{"1.0.0", "1.0.0"},
		{"~1.0", "1.0.0"},
		{"not-semver", "not-semver"},
		{">=2.0.0-0", "2.0.0-beta.1"},
		{"3.0.0", ""},
	}
	for _, tt := range tests {
		got, err := idx.find("app", tt.version)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("find(%q) = %s, want an error", tt.version, got.Version)
		case tt.want != "" && (err != nil || got.Version != tt.want):
			t.Errorf("find(%q) = %v, %v; want %s", tt.version, got, err, tt.want)
		}
	}
	if _, err := parseIndex([]byte("entries: {}\n")); err == nil {
		t.Error("an index without apiVersion parsed")
	}
}

func TestResolveReferenceURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ base, ref, want string }{
		{"https://example.com/charts", "app-1.0.0.tgz", "https://example.com/charts/app-1.0.0.tgz"},
		{"https://example.com/charts/", "app-1.0.0.tgz", "https://example.com/charts/app-1.0.0.tgz"},
		{"https://example.com/charts?token=x", "app.tgz", "https://example.com/charts/app.tgz?token=x"},
		{"https://example.com/charts", "https://cdn.example.com/app.tgz", "https://cdn.example.com/app.tgz"},
		{"https://example.com", "index.yaml", "https://example.com/index.yaml"},
	}
	for _, tt := range tests {
		if got, err := resolveReferenceURL(tt.base, tt.ref); err != nil || got != tt.want {
			t.Errorf("resolveReferenceURL(%q, %q) = %q, %v; want %q", tt.base, tt.ref, got, err, tt.want)
		}
	}
}

func TestParseOCIRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ociRef
	}{
		{"oci://ghcr.io/org/chart", ociRef{registry: "ghcr.io", repository: "org/chart"}},
		{"oci://localhost:5000/chart:1.2.3", ociRef{registry: "localhost:5000", repository: "chart", tag: "1.2.3"}},
		{"oci://r.io/a/b@sha256:" + strings.Repeat("a", 64), ociRef{registry: "r.io", repository: "a/b", digest: "sha256:" + strings.Repeat("a", 64)}},
	}
	for _, tt := range tests {
		got, err := parseOCIRef(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseOCIRef(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}
