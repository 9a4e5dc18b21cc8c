package sharedcharts

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Render is one way SOURCES.md renders a chart.
type Render struct {
	Release string   // the release name: "test"
	Chart   string   // the chart directory under Dir: "stackstate-5.1.15"
	Set     []string // --set arguments
	Images  string   // the file of expected `image:` values under Dir
}

// Name names the case: the images file without ".txt".
func (r Render) Name() string { return strings.TrimSuffix(r.Images, ".txt") }

var (
	renderLine = regexp.MustCompile("^- Render: `helm template (\\S+) \\./(\\S+)(.*)`$")
	setFlag    = regexp.MustCompile(`--set(?:=|\s+)(?:'([^']*)'|"([^"]*)"|(\S+))`)
	vendorLine = regexp.MustCompile("vendor copy_images.sh values .*\\(file `(\\S+)`\\); renders: `(.*)`")
)

// Dir returns the shared charts directory, found beside the root of the
// module (the directory holding go.mod, searched upwards from the test's
// working directory), or skips the test.
func Dir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir := filepath.Join(filepath.Dir(d), "shared", "charts")
			if _, err := os.Stat(filepath.Join(dir, "SOURCES.md")); err != nil {
				t.Skipf("shared charts not found at %s: conformance tests skipped", dir)
			}
			return dir
		}
		if filepath.Dir(d) == d {
			t.Skip("no go.mod above the test: shared charts not found")
		}
	}
}

// Renders parses SOURCES.md in dir.
func Renders(t testing.TB, dir string) []Render {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "SOURCES.md"))
	if err != nil {
		t.Fatalf("reading SOURCES.md: %v", err)
	}
	var out []Render
	for line := range strings.SplitSeq(string(data), "\n") {
		line = strings.TrimSpace(line)
		if m := renderLine.FindStringSubmatch(line); m != nil {
			out = append(out, Render{Release: m[1], Chart: m[2], Set: sets(m[3]), Images: m[2] + ".images.txt"})
			continue
		}
		if m := vendorLine.FindStringSubmatch(line); m != nil && len(out) > 0 {
			last := out[len(out)-1]
			out = append(out, Render{Release: last.Release, Chart: last.Chart, Set: sets(m[2]), Images: m[1]})
		}
	}
	if len(out) == 0 {
		t.Fatal("no Render: lines in SOURCES.md")
	}
	return out
}

func sets(flags string) []string {
	var out []string
	for _, s := range setFlag.FindAllStringSubmatch(flags, -1) {
		out = append(out, s[1]+s[2]+s[3])
	}
	return out
}

// Chart returns the directory of one shared chart, or skips.
func Chart(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(Dir(t), name)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared chart %s not found: %v", name, err)
	}
	return dir
}

// OperatorDir returns testdata/operator-charts at the root of the module
// (real operator charts, fetched as its SOURCES.md says, not committed), or
// skips the test.
func OperatorDir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir := filepath.Join(d, "testdata", "operator-charts")
			if _, err := os.Stat(filepath.Join(dir, "SOURCES.md")); err != nil {
				t.Skipf("operator charts not found at %s: conformance tests skipped", dir)
			}
			return dir
		}
		if filepath.Dir(d) == d {
			t.Skip("no go.mod above the test: operator charts not found")
		}
	}
}

// OperatorCharts returns the renders of the operator charts' SOURCES.md,
// each with its list of expected images (<chart>.expected.txt) in Images.
func OperatorCharts(t testing.TB, dir string) []Render {
	t.Helper()
	renders := Renders(t, dir)
	for i := range renders {
		renders[i].Images = renders[i].Chart + ".expected.txt"
	}
	return renders
}

// Expected reads a list of expected images: one per line, '#' comments
// and blank lines left out.
func Expected(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if line, _, _ = strings.Cut(line, "#"); strings.TrimSpace(line) != "" {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}
