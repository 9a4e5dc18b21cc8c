package rewrite_test

import (
	"testing"

	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/rewrite"
)

// BenchmarkRewriteKubePrometheusStack rewrites the 666 KB that `helm
// template` renders for kube-prometheus-stack 88.5.3, as the post-renderer
// does.
func BenchmarkRewriteKubePrometheusStack(b *testing.B) {
	data := readInput(b, "../discover/testdata/kube-prometheus-stack-88.5.3.yaml.gz")
	m, err := reference.ParseDestination("registry.example.com:5000/mirror", reference.KeepPath)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := rewrite.Rewrite(data, m); err != nil {
			b.Fatal(err)
		}
	}
}
