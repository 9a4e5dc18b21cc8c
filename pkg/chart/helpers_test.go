package chart_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/registry"
)

// withLogin returns opts with a registry client that logs in to host.
func withLogin(t testing.TB, opts chart.Options, host, user, pass string) chart.Options {
	t.Helper()
	c, err := registry.New(registry.Options{Logins: []registry.Login{{Host: host, Username: user, Password: pass}}})
	if err != nil {
		t.Fatal(err)
	}
	opts.Registry = c
	return opts
}

// fixture returns the path of a fixture chart under testdata/charts.
func fixture(name string) string {
	return filepath.Join("testdata", "charts", name)
}

// valuesFile returns the path of a fixture values file.
func valuesFile(name string) string {
	return filepath.Join("testdata", "values", name)
}

// mustRender renders or fails the test.
func mustRender(t testing.TB, src chart.Source, vals chart.Values, opts chart.Options) *chart.Rendered {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	r, err := chart.Render(context.Background(), src, vals, opts)
	if err != nil {
		t.Fatalf("Render(%q): %v", src.Chart, err)
	}
	return r
}

// sourcesOf returns the "# Source:" paths of a manifest stream, in order.
func sourcesOf(manifest []byte) []string {
	var out []string
	for line := range strings.SplitSeq(string(manifest), "\n") {
		if p, ok := strings.CutPrefix(line, "# Source: "); ok {
			out = append(out, p)
		}
	}
	return out
}

// imageLine matches `image:` lines the way SOURCES.md's image lists were made.
var imageLine = regexp.MustCompile(`^\s*(?:-\s+)?image:\s*(.*?)\s*$`)

// imagesOf returns the unquoted values of the `image:` lines of a manifest.
func imagesOf(manifest []byte) map[string]bool {
	out := map[string]bool{}
	for line := range strings.SplitSeq(string(manifest), "\n") {
		m := imageLine.FindStringSubmatch(line)
		if m == nil || m[1] == "" {
			continue
		}
		v := m[1]
		if u, err := strconv.Unquote(v); err == nil {
			v = u
		} else {
			v = strings.Trim(v, `'"`)
		}
		out[v] = true
	}
	return out
}

// copyDir copies the directory tree src to dst.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}
