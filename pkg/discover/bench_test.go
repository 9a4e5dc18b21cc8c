package discover

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

func readGzip(tb testing.TB, name string) []byte {
	tb.Helper()
	f, err := os.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkScanKubePrometheusStack scans the 666 KB that `helm template`
// renders for kube-prometheus-stack 88.5.3 (Grafana dashboards included).
func BenchmarkScanKubePrometheusStack(b *testing.B) {
	data := readGzip(b, "testdata/kube-prometheus-stack-88.5.3.yaml.gz")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Scan(data, "kps.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRenderedCharts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		want []string
	}{
		{"kube-prometheus-stack args", "testdata/kube-prometheus-stack-88.5.3.yaml.gz", []string{
			"quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1",
			"quay.io/thanos/thanos:v0.42.4",
			"quay.io/prometheus/prometheus:v3.14.0-distroless",
		}},
		{"k8ssandra custom resources and ImageConfig", "testdata/k8ssandra-1.5.2.yaml.gz", []string{
			"docker.io/k8ssandra/cass-management-api:4.0.3-v0.1.37",
			"docker.io/datastax/cass-config-builder:1.0.4",
			"docker.io/k8ssandra/system-logger:6c64f9c4",
			"quay.io/thanos/thanos:v0.17.2",
			"docker.io/k8ssandra/system-logger:v1.13.1",
			"docker.io/datastax/cass-config-builder:1.0.5-ubi7",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Scan(readGzip(t, tt.file), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if _, ok := res.Find(w); !ok {
					t.Errorf("%s not found in %q", w, res.Refs())
				}
			}
			if len(res.Warnings) != 0 {
				t.Errorf("warnings: %v", res.Warnings)
			}
			if bytes.Contains([]byte(res.Refs()[0]), []byte("\n")) {
				t.Fatal("newline in a reference")
			}
		})
	}
}
