package overrides_test

import (
	"context"
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
	dir := sharedcharts.Chart(b, "kube-prometheus-stack-88.5.3")
	m := mapping(b, dest, reference.KeepPath)
	ctx := context.Background()
	opts := chart.Options{ReleaseName: "test", CacheDir: b.TempDir()}
	renders := 0
	b.ReportAllocs()
	for b.Loop() {
		l, err := chart.Load(ctx, chart.Source{Chart: dir}, chart.Values{}, opts)
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
