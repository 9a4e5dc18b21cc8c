package chart_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/internal/sharedcharts"
	"github.com/airlift-cli/airlift/pkg/chart"
)

// renderSpec is how SOURCES.md says a chart was rendered.
type renderSpec struct {
	release string
	chart   string
	set     []string
}

// readRenderSpecs returns the "Render:" lines of SOURCES.md.
func readRenderSpecs(t *testing.T, dir string) []renderSpec {
	t.Helper()
	var specs []renderSpec
	for _, r := range sharedcharts.Renders(t, dir) {
		if r.Images == r.Chart+".images.txt" {
			specs = append(specs, renderSpec{release: r.Release, chart: r.Chart, set: r.Set})
		}
	}
	return specs
}

// TestConformance renders every real chart of the shared corpus with the
// flags SOURCES.md gives and expects exactly the `image:` values `helm
// template` rendered (<chart>.images.txt). PATH holds a trap `helm` that
// records being run: rendering must never exec the helm CLI.
func TestConformance(t *testing.T) {
	sharedCharts := sharedcharts.Dir(t)
	specs := readRenderSpecs(t, sharedCharts)
	if len(specs) == 0 {
		t.Fatal("no Render: lines in SOURCES.md")
	}

	trapDir := t.TempDir()
	marker := filepath.Join(trapDir, "helm-was-run")
	trap := "#!/bin/sh\necho \"$@\" >> " + marker + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(trapDir, "helm"), []byte(trap), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", trapDir)
	t.Cleanup(func() { // after the (parallel) renders
		if data, err := os.ReadFile(marker); err == nil {
			t.Errorf("the helm CLI was executed with: %s", data)
		}
	})

	for _, spec := range specs {
		t.Run(spec.chart, func(t *testing.T) {
			t.Parallel()
			expected, err := os.ReadFile(filepath.Join(sharedCharts, spec.chart+".images.txt"))
			if err != nil {
				t.Skipf("no image list: %v", err)
			}
			src := chart.Source{Chart: filepath.Join(sharedCharts, spec.chart)}
			r := mustRender(t, src, chart.Values{Set: spec.set}, chart.Options{ReleaseName: spec.release})
			got := imagesOf(r.Manifest)
			var want []string
			for line := range strings.SplitSeq(string(expected), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					want = append(want, line)
				}
			}
			for _, img := range want {
				if !got[img] {
					t.Errorf("image %s not rendered", img)
				}
			}
			for img := range got {
				if !slices.Contains(want, img) {
					t.Errorf("image %s rendered but not in %s.images.txt", img, spec.chart)
				}
			}
			if len(r.Charts) == 0 || r.Charts[0].Path != r.Name {
				t.Errorf("Charts[0] = %+v, want the top chart %s", r.Charts, r.Name)
			}
		})
	}
}

// BenchmarkRenderKubePrometheusStack renders kube-prometheus-stack 88.5.3
// from its directory, as `helm template test ./kube-prometheus-stack-88.5.3`.
func BenchmarkRenderKubePrometheusStack(b *testing.B) {
	dir := sharedcharts.Chart(b, "kube-prometheus-stack-88.5.3")
	src := chart.Source{Chart: dir}
	opts := chart.Options{ReleaseName: "test", CacheDir: b.TempDir()}
	b.ReportAllocs()
	for b.Loop() {
		mustRender(b, src, chart.Values{}, opts)
	}
}
