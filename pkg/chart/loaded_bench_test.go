package chart_test

import (
	"context"
	"testing"

	"github.com/airlift-cli/airlift/internal/sharedcharts"

	"github.com/airlift-cli/airlift/pkg/chart"
)

// BenchmarkLoadKubePrometheusStack loads kube-prometheus-stack 88.5.3 from
// its directory without rendering it.
func BenchmarkLoadKubePrometheusStack(b *testing.B) {
	dir := sharedcharts.Chart(b, "kube-prometheus-stack-88.5.3")
	src := chart.Source{Chart: dir}
	opts := chart.Options{ReleaseName: "test", CacheDir: b.TempDir()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := chart.Load(context.Background(), src, chart.Values{}, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadedRenderKubePrometheusStack renders a loaded
// kube-prometheus-stack 88.5.3 again and again, with extra values.
func BenchmarkLoadedRenderKubePrometheusStack(b *testing.B) {
	dir := sharedcharts.Chart(b, "kube-prometheus-stack-88.5.3")
	l, err := chart.Load(context.Background(), chart.Source{Chart: dir}, chart.Values{},
		chart.Options{ReleaseName: "test", CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	extra := map[string]any{"global": map[string]any{"imageRegistry": "registry.example.com"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Render(context.Background(), extra); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadedValuesKubePrometheusStack coalesces the values of a loaded
// kube-prometheus-stack 88.5.3 (the tree and values of a fresh Loaded).
func BenchmarkLoadedValuesKubePrometheusStack(b *testing.B) {
	dir := sharedcharts.Chart(b, "kube-prometheus-stack-88.5.3")
	src := chart.Source{Chart: dir}
	opts := chart.Options{ReleaseName: "test", CacheDir: b.TempDir()}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		l, err := chart.Load(context.Background(), src, chart.Values{}, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := l.Values(); err != nil {
			b.Fatal(err)
		}
	}
}
