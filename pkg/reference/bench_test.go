package reference

import "testing"

var benchInputs = []string{
	"busybox",
	"grafana/grafana:7.5.17",
	"quay.io/prometheus/node-exporter:v1.8.2",
	"registry.k8s.io/ingress-nginx/controller:v1.11.2@sha256:d5f8217feeac4887cb1ed21f27c2674e58be06bd8f5184cacea2a69abaf78dce",
	"myregistry.example.com:5443/team/app:1.0",
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range benchInputs {
			if _, err := Parse(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}
