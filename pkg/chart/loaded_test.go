package chart_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/airlift-cli/airlift/pkg/chart"
)

// mustLoad loads or fails the test.
func mustLoad(t testing.TB, src chart.Source, vals chart.Values) *chart.Loaded {
	t.Helper()
	l, err := chart.Load(context.Background(), src, vals, chart.Options{ReleaseName: "demo", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Load(%q): %v", src.Chart, err)
	}
	return l
}

func TestLoadedRenderIsRender(t *testing.T) {
	t.Parallel()
	src := chart.Source{Chart: fixture("app")}
	vals := chart.Values{Files: []string{valuesFile("a.yaml")}, Set: []string{"size=large"}}
	want := mustRender(t, src, vals, chart.Options{ReleaseName: "demo"})
	l := mustLoad(t, src, vals)
	for i := range 3 {
		got, err := l.Render(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Manifest, want.Manifest) {
			t.Fatalf("render %d differs from Render:\n%s\nwant:\n%s", i, got.Manifest, want.Manifest)
		}
		if !reflect.DeepEqual(got.Charts, want.Charts) {
			t.Errorf("render %d: Charts = %+v, want %+v", i, got.Charts, want.Charts)
		}
	}
}

func TestLoadedRenderExtraOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		vals  chart.Values
		extra []map[string]any
		color string
	}{
		{"chart default", chart.Values{}, nil, "blue"},
		{"values file", chart.Values{Files: []string{valuesFile("a.yaml")}}, nil, "red"},
		{"extra after the values files", chart.Values{Files: []string{valuesFile("a.yaml")}},
			[]map[string]any{{"color": "purple"}}, "purple"},
		{"later extra wins", chart.Values{}, []map[string]any{{"color": "purple"}, {"color": "orange"}}, "orange"},
		{"--set wins over extra", chart.Values{Files: []string{valuesFile("a.yaml")}, Set: []string{"color=yellow"}},
			[]map[string]any{{"color": "purple"}}, "yellow"},
		{"--set-string wins over extra", chart.Values{SetString: []string{"color=teal"}},
			[]map[string]any{{"color": "purple"}}, "teal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := mustLoad(t, chart.Source{Chart: fixture("app")}, tt.vals)
			r, err := l.Render(context.Background(), tt.extra...)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Values["color"]; got != tt.color {
				t.Errorf("color = %v, want %s", got, tt.color)
			}
		})
	}
}

func TestLoadedRenderLeavesExtraAlone(t *testing.T) {
	t.Parallel()
	l := mustLoad(t, chart.Source{Chart: fixture("app")}, chart.Values{Set: []string{"extra.a.b=set"}})
	extra := map[string]any{"extra": map[string]any{"a": map[string]any{"c": "extra"}}}
	r, err := l.Render(context.Background(), extra)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"extra": map[string]any{"a": map[string]any{"c": "extra"}}}
	if !reflect.DeepEqual(extra, want) {
		t.Errorf("extra changed to %v", extra)
	}
	got := r.Values["extra"].(map[string]any)["a"].(map[string]any)
	if got["b"] != "set" || got["c"] != "extra" {
		t.Errorf("extra.a = %v, want b=set and c=extra", got)
	}
	// A second render must not see the first one's values.
	r2, err := l.Render(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r2.Values["extra"].(map[string]any)["a"].(map[string]any)["c"]; ok {
		t.Error("values of an earlier render leaked into a later one")
	}
}

func TestLoadedRenderConcurrent(t *testing.T) {
	t.Parallel()
	l := mustLoad(t, chart.Source{Chart: fixture("app")}, chart.Values{})
	colors := []string{"c0", "c1", "c2", "c3", "c4", "c5"}
	var wg sync.WaitGroup
	got := make([]any, len(colors))
	errs := make([]error, len(colors))
	for i, c := range colors {
		wg.Go(func() {
			r, err := l.Render(context.Background(), map[string]any{"color": c, "metrics": map[string]any{"enabled": i%2 == 0}})
			if err != nil {
				errs[i] = err
				return
			}
			got[i] = r.Values["color"]
		})
	}
	wg.Wait()
	for i, c := range colors {
		if errs[i] != nil || got[i] != c {
			t.Errorf("render %d: color %v, error %v; want %s", i, got[i], errs[i], c)
		}
	}
}

func TestLoadedRenderBadExtra(t *testing.T) {
	t.Parallel()
	l := mustLoad(t, chart.Source{Chart: fixture("app")}, chart.Values{})
	_, err := l.Render(context.Background(), map[string]any{"replicaCount": "many"})
	var ve *chart.ValuesError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *ValuesError (the schema wants an integer)", err)
	}
}

func TestLoadedRenderCanceled(t *testing.T) {
	t.Parallel()
	l := mustLoad(t, chart.Source{Chart: fixture("app")}, chart.Values{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Render(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestTree(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vals chart.Values
		want []chart.ChartScope // Defaults and Annotations not compared
	}{
		{
			name: "defaults: metrics disabled, worker aliased as jobs",
			want: []chart.ChartScope{
				{Path: "app", Name: "app", Version: "1.2.3", AppVersion: "4.5.6", Scope: "", Enabled: true},
				{Path: "app/charts/cache", Name: "cache", Version: "0.1.0", AppVersion: "7.0", Scope: "cache", Enabled: true},
				{Path: "app/charts/jobs", Name: "worker", Version: "0.1.0", Scope: "jobs", Enabled: true},
				{Path: "app/charts/metrics", Name: "metrics", Version: "0.1.0", AppVersion: "7.0", Scope: "metrics", Enabled: false},
			},
		},
		{
			name: "conditions follow the user's values",
			vals: chart.Values{Set: []string{"metrics.enabled=true", "cache.enabled=false"}},
			want: []chart.ChartScope{
				{Path: "app", Name: "app", Version: "1.2.3", AppVersion: "4.5.6", Scope: "", Enabled: true},
				{Path: "app/charts/cache", Name: "cache", Version: "0.1.0", AppVersion: "7.0", Scope: "cache", Enabled: false},
				{Path: "app/charts/jobs", Name: "worker", Version: "0.1.0", Scope: "jobs", Enabled: true},
				{Path: "app/charts/metrics", Name: "metrics", Version: "0.1.0", AppVersion: "7.0", Scope: "metrics", Enabled: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := mustLoad(t, chart.Source{Chart: fixture("app")}, tt.vals)
			tree, err := l.Tree()
			if err != nil {
				t.Fatal(err)
			}
			var got []chart.ChartScope
			for _, s := range tree {
				if s.Defaults == nil {
					t.Errorf("%s: no defaults", s.Path)
				}
				s.Defaults, s.Annotations = nil, nil
				got = append(got, s)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Tree() =\n%+v\nwant\n%+v", got, tt.want)
			}
			if tree[2].Defaults["schedule"] != "@hourly" {
				t.Errorf("jobs defaults = %v, want the worker chart's values.yaml", tree[2].Defaults)
			}
			if k := tree[2].Keys(); len(k) != 1 || k[0] != "jobs" {
				t.Errorf("Keys() = %v", k)
			}
		})
	}
}

func TestLoadedValuesIsRenderedValues(t *testing.T) {
	t.Parallel()
	vals := chart.Values{Files: []string{valuesFile("a.yaml")}, Set: []string{"metrics.enabled=true"}}
	l := mustLoad(t, chart.Source{Chart: fixture("app")}, vals)
	got, err := l.Values()
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Render(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r.Values) {
		t.Errorf("Values() =\n%v\nRendered.Values =\n%v", got, r.Values)
	}
	got["color"] = "changed"
	again, _ := l.Values()
	if again["color"] == "changed" {
		t.Error("Values() returns a shared map")
	}
}

// TestArchive: a chart directory packs to the same bytes twice, and the
// archive loads and renders as the directory does; a .tgz is given back
// as it was.
func TestArchive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, err := chart.Load(ctx, chart.Source{Chart: fixture("app")}, chart.Values{}, chart.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a1, err := l.Archive()
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := l.Archive()
	if !bytes.Equal(a1, a2) {
		t.Error("two archives of one directory differ")
	}
	tgz := filepath.Join(t.TempDir(), "app.tgz")
	if err := os.WriteFile(tgz, a1, 0o644); err != nil {
		t.Fatal(err)
	}
	fromDir := mustRender(t, chart.Source{Chart: fixture("app")}, chart.Values{}, chart.Options{})
	fromTgz := mustRender(t, chart.Source{Chart: tgz}, chart.Values{}, chart.Options{})
	if !bytes.Equal(fromDir.Manifest, fromTgz.Manifest) {
		t.Errorf("the archive renders differently:\n%s\n---\n%s", fromDir.Manifest, fromTgz.Manifest)
	}
	lt, err := chart.Load(ctx, chart.Source{Chart: tgz}, chart.Values{}, chart.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := lt.Archive(); !bytes.Equal(again, a1) {
		t.Error("a .tgz is not given back as it was")
	}
}
