package chart_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	chartv2loader "helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"

	"github.com/airlift-cli/airlift/pkg/chart"
)

func TestRenderFixture(t *testing.T) {
	t.Parallel()
	const (
		configmap  = "app/templates/configmap.yaml"
		deployment = "app/templates/deployment.yaml"
		hookJob    = "app/templates/hook-job.yaml"
		testPod    = "app/templates/tests/test-connection.yaml"
		cache      = "app/charts/cache/templates/deployment.yaml"
		metrics    = "app/charts/metrics/templates/deployment.yaml"
		jobs       = "app/charts/jobs/templates/cronjob.yaml"
	)
	tests := []struct {
		name       string
		vals       chart.Values
		opts       chart.Options
		want       []string // "# Source:" entries that must be present
		notWant    []string // ... and absent
		wantCharts []string // ChartInfo paths, in order
	}{
		{
			name:       "defaults: hooks and tests included, disabled subchart left out",
			want:       []string{configmap, deployment, cache, jobs, hookJob, testPod},
			notWant:    []string{metrics, "app/templates/NOTES.txt", "app/templates/_helpers.tpl", "app/templates/empty.yaml"},
			wantCharts: []string{"app", "app/charts/cache", "app/charts/jobs"},
		},
		{
			name:       "SkipTests drops the test hook only",
			opts:       chart.Options{SkipTests: true},
			want:       []string{configmap, deployment, hookJob},
			notWant:    []string{testPod},
			wantCharts: []string{"app", "app/charts/cache", "app/charts/jobs"},
		},
		{
			name:       "condition enabled with --set",
			vals:       chart.Values{Set: []string{"metrics.enabled=true"}},
			want:       []string{metrics, cache},
			wantCharts: []string{"app", "app/charts/cache", "app/charts/jobs", "app/charts/metrics"},
		},
		{
			name:       "condition disabled with --set-json",
			vals:       chart.Values{SetJSON: []string{`cache={"enabled":false}`}},
			want:       []string{deployment, jobs},
			notWant:    []string{cache, metrics},
			wantCharts: []string{"app", "app/charts/jobs"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := mustRender(t, chart.Source{Chart: fixture("app")}, tt.vals, tt.opts)
			got := sourcesOf(r.Manifest)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("manifest lacks # Source: %s; have %v", w, got)
				}
			}
			for _, nw := range tt.notWant {
				if slices.Contains(got, nw) {
					t.Errorf("manifest has # Source: %s, want it left out", nw)
				}
			}
			var paths []string
			for _, c := range r.Charts {
				paths = append(paths, c.Path)
			}
			if !reflect.DeepEqual(paths, tt.wantCharts) {
				t.Errorf("Charts = %v, want %v", paths, tt.wantCharts)
			}
			assertHooksLast(t, got)
		})
	}
}

// assertHooksLast checks that hooks come after every ordinary manifest.
func assertHooksLast(t *testing.T, sources []string) {
	t.Helper()
	isHook := func(s string) bool {
		return strings.HasSuffix(s, "hook-job.yaml") || strings.Contains(s, "/tests/")
	}
	seenHook := false
	for _, s := range sources {
		if isHook(s) {
			seenHook = true
		} else if seenHook {
			t.Errorf("manifest %s comes after a hook; hooks must be last: %v", s, sources)
		}
	}
}

func TestRenderMetadata(t *testing.T) {
	t.Parallel()
	r := mustRender(t, chart.Source{Chart: fixture("app")}, chart.Values{}, chart.Options{})
	if r.Name != "app" || r.Version != "1.2.3" || r.AppVersion != "4.5.6" {
		t.Errorf("Name, Version, AppVersion = %q, %q, %q", r.Name, r.Version, r.AppVersion)
	}
	want := []chart.ChartInfo{
		{Path: "app", Name: "app", Version: "1.2.3", AppVersion: "4.5.6",
			Annotations: map[string]string{"helm.sh/images": "- name: app\n  image: example.com/app:4.5.6\n"}},
		{Path: "app/charts/cache", Name: "cache", Version: "0.1.0", AppVersion: "7.0",
			Annotations: map[string]string{"artifacthub.io/images": "- name: cache\n  image: example.com/cache:7.0\n"}},
		{Path: "app/charts/jobs", Name: "worker", Version: "0.1.0"},
	}
	if !reflect.DeepEqual(r.Charts, want) {
		t.Errorf("Charts =\n%#v\nwant\n%#v", r.Charts, want)
	}
	// Values are coalesced with subchart defaults and plain maps.
	jobs, ok := r.Values["jobs"].(map[string]any)
	if !ok {
		t.Fatalf("Values[jobs] is %T, want map[string]any", r.Values["jobs"])
	}
	if jobs["schedule"] != "*/5 * * * *" || jobs["image"] != "example.com/worker:2.0" {
		t.Errorf("Values[jobs] = %v, want the parent's schedule and the subchart's image", jobs)
	}
	if _, ok := r.Values["metrics"].(map[string]any); !ok {
		t.Errorf("Values[metrics] is %T, want map[string]any", r.Values["metrics"])
	}
}

func TestValuesOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vals chart.Values
		want map[string]any // top-level keys of Rendered.Values
	}{
		{
			name: "chart defaults",
			want: map[string]any{"color": "blue", "size": "small", "replicaCount": float64(1)},
		},
		{
			name: "later -f wins",
			vals: chart.Values{Files: []string{valuesFile("a.yaml"), valuesFile("b.yaml")}},
			want: map[string]any{"color": "green", "size": "medium", "replicaCount": float64(2)},
		},
		{
			name: "--set beats -f",
			vals: chart.Values{Files: []string{valuesFile("b.yaml")}, Set: []string{"color=purple"}},
			want: map[string]any{"color": "purple"},
		},
		{
			name: "--set beats --set-json, last --set wins",
			vals: chart.Values{SetJSON: []string{`color="json"`}, Set: []string{"color=one", "color=two"}},
			want: map[string]any{"color": "two"},
		},
		{
			name: "--set-string keeps strings",
			vals: chart.Values{Set: []string{"size=7"}, SetString: []string{"color=7"}},
			want: map[string]any{"size": int64(7), "color": "7"},
		},
		{
			name: "--set-json object form",
			vals: chart.Values{SetJSON: []string{`{"extra":{"list":[1,"two"]}}`}},
			want: map[string]any{"extra": map[string]any{"list": []any{float64(1), "two"}}},
		},
		{
			name: "--set-file reads the file",
			vals: chart.Values{SetFile: []string{"size=" + valuesFile("extra.txt")}},
			want: map[string]any{"size": "from a file"},
		},
		{
			name: "--set-literal takes commas and equals signs literally",
			vals: chart.Values{SetLiteral: []string{"color=a,b=c"}},
			want: map[string]any{"color": "a,b=c"},
		},
		{
			name: "--set-file beats --set-string",
			vals: chart.Values{SetString: []string{"size=big"}, SetFile: []string{"size=" + valuesFile("extra.txt")}},
			want: map[string]any{"size": "from a file"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := mustRender(t, chart.Source{Chart: fixture("app")}, tt.vals, chart.Options{})
			for k, want := range tt.want {
				if got := r.Values[k]; !reflect.DeepEqual(got, want) {
					t.Errorf("Values[%q] = %#v (%T), want %#v (%T)", k, got, got, want, want)
				}
			}
			if c, ok := tt.want["color"].(string); ok && !bytes.Contains(r.Manifest, []byte("color: \""+c+"\"")) {
				t.Errorf("manifest does not render color %q", c)
			}
		})
	}
}

func TestRenderOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts chart.Options
		want []string
	}{
		{
			name: "defaults",
			want: []string{`kubeVersion: "` + chart.DefaultKubeVersion + `"`, `releaseName: "release-name"`,
				`namespace: "default"`, `isInstall: "true"`, `isUpgrade: "false"`, "name: release-name-app"},
		},
		{
			name: "release name, namespace, upgrade",
			opts: chart.Options{ReleaseName: "prod", Namespace: "shop", IsUpgrade: true},
			want: []string{`releaseName: "prod"`, `namespace: "shop"`, `isInstall: "false"`, `isUpgrade: "true"`, "name: prod-app"},
		},
		{
			name: "short kube version",
			opts: chart.Options{KubeVersion: "1.30"},
			want: []string{`kubeVersion: "v1.30"`},
		},
		{
			name: "full kube version",
			opts: chart.Options{KubeVersion: "v1.31.2"},
			want: []string{`kubeVersion: "v1.31.2"`},
		},
		{
			name: "extra API versions",
			opts: chart.Options{APIVersions: []string{"example.com/v1"}},
			want: []string{`exampleAPI: "yes"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := mustRender(t, chart.Source{Chart: fixture("app")}, chart.Values{}, tt.opts)
			for _, w := range tt.want {
				if !bytes.Contains(r.Manifest, []byte(w)) {
					t.Errorf("manifest lacks %q:\n%s", w, r.Manifest)
				}
			}
		})
	}
}

// TestDefaultKubeVersion checks that charts see DefaultKubeVersion, not
// Helm's default (v1.20.0 under go test, the client-go version otherwise).
func TestDefaultKubeVersion(t *testing.T) {
	t.Parallel()
	r := mustRender(t, chart.Source{Chart: fixture("kubeversion")}, chart.Values{}, chart.Options{})
	if want := `version: "` + chart.DefaultKubeVersion + `"`; !bytes.Contains(r.Manifest, []byte(want)) {
		t.Errorf("manifest lacks %q:\n%s", want, r.Manifest)
	}
	if !bytes.Contains(r.Manifest, []byte(`minor: "34"`)) {
		t.Errorf("manifest lacks the minor version 34:\n%s", r.Manifest)
	}
}

func TestManifestFormat(t *testing.T) {
	t.Parallel()
	r := mustRender(t, chart.Source{Chart: fixture("app")}, chart.Values{}, chart.Options{})
	m := string(r.Manifest)
	if !strings.HasPrefix(m, "---\n# Source: ") {
		t.Errorf("manifest starts with %q, want \"---\\n# Source: \"", m[:min(len(m), 20)])
	}
	if !strings.HasSuffix(m, "\n") {
		t.Error("manifest does not end with a newline")
	}
	for i, doc := range strings.Split(m, "---\n")[1:] {
		if !strings.HasPrefix(doc, "# Source: ") {
			t.Errorf("document %d does not start with # Source: %q", i, doc)
		}
	}
	if strings.Contains(m, "Thank you for installing") {
		t.Error("manifest contains NOTES.txt")
	}
}

// TestRenderArchive renders the fixture packaged as a .tgz and expects the
// same output as from the directory.
func TestRenderArchive(t *testing.T) {
	t.Parallel()
	ch, err := chartv2loader.LoadDir(fixture("app"))
	if err != nil {
		t.Fatal(err)
	}
	tgz, err := chartutil.Save(ch, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fromDir := mustRender(t, chart.Source{Chart: fixture("app")}, chart.Values{}, chart.Options{})
	fromTgz := mustRender(t, chart.Source{Chart: tgz}, chart.Values{}, chart.Options{})
	if !bytes.Equal(fromDir.Manifest, fromTgz.Manifest) {
		t.Errorf("archive renders differently:\n%s\n---- directory:\n%s", fromTgz.Manifest, fromDir.Manifest)
	}
}

// TestRenderDoesNotModifyChart renders twice from the same directory; the
// directory must be unchanged and both renders equal.
func TestRenderDoesNotModifyChart(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "app")
	copyDir(t, fixture("app"), dir)
	before := treeListing(t, dir)
	a := mustRender(t, chart.Source{Chart: dir, DependencyUpdate: true}, chart.Values{}, chart.Options{})
	b := mustRender(t, chart.Source{Chart: dir}, chart.Values{}, chart.Options{})
	if !bytes.Equal(a.Manifest, b.Manifest) {
		t.Error("two renders differ")
	}
	if after := treeListing(t, dir); !reflect.DeepEqual(before, after) {
		t.Errorf("chart directory changed: %v -> %v", before, after)
	}
}

func treeListing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		out = append(out, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRenderCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := chart.Render(ctx, chart.Source{Chart: fixture("app")}, chart.Values{}, chart.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Render with a canceled context: %v, want context.Canceled", err)
	}
}
