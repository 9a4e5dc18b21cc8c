package overrides_test

import (
	"context"
	"path/filepath"
	"sort"
	"testing"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/fromchart"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// dest is the destination every test maps to.
const dest = "registry.example.com:5000/mirror"

// fixture returns the path of a fixture chart.
func fixture(name string) string { return filepath.Join("testdata", "charts", name) }

// loadChart loads a chart directory and adapts it.
func loadChart(t testing.TB, dir string, vals chart.Values) overrides.Chart {
	t.Helper()
	l, err := chart.Load(context.Background(), chart.Source{Chart: dir}, vals,
		chart.Options{ReleaseName: "test", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatalf("loading %s: %v", dir, err)
	}
	c, err := fromchart.New(l)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mapping parses a destination or fails the test.
func mapping(t testing.TB, to string, layout reference.Layout) reference.Mapping {
	t.Helper()
	m, err := reference.ParseDestination(to, layout)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// plan traces and plans a chart.
func plan(t testing.TB, c overrides.Chart, m reference.Mapping, opts overrides.PlanOptions) (*overrides.Traced, *overrides.Overrides) {
	t.Helper()
	ctx := context.Background()
	tr, err := overrides.Trace(ctx, c, overrides.TraceOptions{})
	if err != nil {
		t.Fatalf("Trace: %v", err)
	}
	o, err := overrides.Plan(ctx, c, tr, m, opts)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	return tr, o
}

// entries returns "path" -> value of the overrides.
func entries(o *overrides.Overrides) map[string]any {
	out := map[string]any{}
	for _, e := range o.Entries {
		out[e.Path.String()] = e.Value
	}
	return out
}

// controls returns "path role" for the controls of every use of an image.
func controls(tr *overrides.Traced, ref string) []string {
	want := reference.MustParse(ref).String()
	seen := map[string]bool{}
	for _, img := range tr.Images {
		if img.Ref.String() != want {
			continue
		}
		for _, u := range img.Uses {
			for _, c := range u.Controls {
				seen[c.Path.String()+" "+c.Role.String()] = true
			}
			for _, k := range u.Knobs {
				seen[k.String()+" knob"] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// leaks returns the images of a report's leaks, marked "(template)" when
// template-only and "(pinned by PATH)" when the user's --set fixes them.
func leaks(r *overrides.Report) []string {
	var out []string
	for _, l := range r.Leaks {
		s := l.Image.String()
		if l.TemplateOnly {
			s += " (template)"
		}
		for _, p := range l.PinnedBy {
			s += " (pinned by " + p.String() + ")"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
