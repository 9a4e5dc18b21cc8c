package overrides_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/airlift-cli/airlift/internal/sharedcharts"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/fromchart"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// BenchmarkValuesKubePrometheusStack is the whole of `airlift values` on
// kube-prometheus-stack 88.5.3 but the process start: load the chart,
// trace, plan, check, write the YAML. renders/op counts the chart renders.
func BenchmarkValuesKubePrometheusStack(b *testing.B) {
	benchValues(b, sharedcharts.Chart(b, "kube-prometheus-stack-88.5.3"), nil)
}

// BenchmarkValuesStackState is the same on stackstate 5.1.15, the chart of
// the shared corpus that takes helm template longest, with the render
// flags of its SOURCES.md.
func BenchmarkValuesStackState(b *testing.B) {
	benchValues(b, sharedcharts.Chart(b, "stackstate-5.1.15"), []string{
		"stackstate.baseUrl=http://dummy,stackstate.admin.authentication.password=dummy,stackstate.authentication.adminPassword=dummy,stackstate.license.key=dummy",
	})
}

// BenchmarkValuesArgoCD is the same on argo-cd 10.1.1 of the operator
// charts (fetched as their SOURCES.md says), the largest of them.
func BenchmarkValuesArgoCD(b *testing.B) {
	dir := filepath.Join(sharedcharts.OperatorDir(b), "argo-cd-10.1.1")
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("argo-cd-10.1.1 not fetched: %v", err)
	}
	benchValues(b, dir, nil)
}

func benchValues(b *testing.B, dir string, set []string) {
	m := mapping(b, dest, reference.KeepPath)
	ctx := context.Background()
	opts := chart.Options{ReleaseName: "test", CacheDir: b.TempDir()}
	renders := 0
	b.ReportAllocs()
	for b.Loop() {
		l, err := chart.Load(ctx, chart.Source{Chart: dir}, chart.Values{Set: set}, opts)
		if err != nil {
			b.Fatal(err)
		}
		c, err := fromchart.New(l)
		if err != nil {
			b.Fatal(err)
		}
		tr, err := overrides.Trace(ctx, c, overrides.TraceOptions{})
		if err != nil {
			b.Fatal(err)
		}
		o, err := overrides.Plan(ctx, c, tr, m, overrides.PlanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if !o.Check.OK() || len(o.YAML()) == 0 {
			b.Fatalf("check: %v", o.Check.Leaks)
		}
		renders = tr.Renders + o.Renders
	}
	b.ReportMetric(float64(renders), "renders/op")
}
