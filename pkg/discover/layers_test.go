package discover_test

import (
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/discover"
)

// imageConfigDoc is the ImageConfig cass-operator v1.28 ships, as a
// document of its own.
const imageConfigDoc = `apiVersion: config.k8ssandra.io/v1beta1
kind: ImageConfig
metadata:
  name: image-config
images:
  system-logger: "cr.k8ssandra.io/k8ssandra/system-logger:v1.28.0"
defaults:
  cassandra:
    repository: "cr.k8ssandra.io/k8ssandra/cass-management-api"
`

// TestPrecedence checks the layer named for each datacenter's server
// image: datacenter > cluster > ImageConfig default, as k8ssandra-operator
// merges them (pkg/cassandra/datacenter.go Coalesce).
func TestPrecedence(t *testing.T) {
	tests := []struct {
		name      string
		cluster   string // serverImage at cluster level, "" for none
		dc        string // serverImage of dc1, "" for none
		image     string // the image dc1 runs
		wantLayer string
		notRun    string // an image listed whose origin says no datacenter runs it
	}{
		{name: "set at both levels", cluster: "example.com/cluster/cass:4.1.8", dc: "example.com/dc/cass:4.1.8",
			image: "example.com/dc/cass:4.1.8", wantLayer: discover.LayerDatacenter, notRun: "example.com/cluster/cass:4.1.8"},
		{name: "set at datacenter level only", dc: "example.com/dc/cass:4.1.8",
			image: "example.com/dc/cass:4.1.8", wantLayer: discover.LayerDatacenter},
		{name: "set at cluster level only", cluster: "example.com/cluster/cass:4.1.8",
			image: "example.com/cluster/cass:4.1.8", wantLayer: discover.LayerCluster},
		{name: "set at neither level", image: "cr.k8ssandra.io/k8ssandra/cass-management-api:4.1.8", wantLayer: discover.LayerImageConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("apiVersion: k8ssandra.io/v1alpha1\nkind: K8ssandraCluster\nmetadata:\n  name: demo\nspec:\n  cassandra:\n    serverVersion: 4.1.8\n")
			if tt.cluster != "" {
				b.WriteString("    serverImage: " + tt.cluster + "\n")
			}
			b.WriteString("    datacenters:\n      - metadata:\n          name: dc1\n")
			if tt.dc != "" {
				b.WriteString("        serverImage: " + tt.dc + "\n")
			}
			res, err := discover.Scan([]byte(b.String()+"---\n"+imageConfigDoc), "in.yaml")
			if err != nil {
				t.Fatal(err)
			}
			img, ok := res.Find(tt.image)
			if !ok {
				t.Fatalf("%s not found in %v", tt.image, res.Refs())
			}
			if len(img.Origins) != 1 || !strings.HasPrefix(img.Origins[0].Via, tt.wantLayer+":") {
				t.Fatalf("origins of %s = %v, want one from the %s", tt.image, img.Origins, tt.wantLayer)
			}
			if !strings.Contains(img.Origins[0].Via, "dc1") {
				t.Errorf("via %q does not name the datacenter", img.Origins[0].Via)
			}
			if tt.notRun != "" {
				other, ok := res.Find(tt.notRun)
				if !ok || !strings.Contains(other.Origins[0].Via, "no datacenter runs it") {
					t.Errorf("origins of %s = %v, want it said that no datacenter runs it", tt.notRun, other.Origins)
				}
			}
			if tt.wantLayer != discover.LayerImageConfig {
				for _, r := range res.Refs() {
					if strings.Contains(r, "cass-management-api") {
						t.Errorf("%s derived although a serverImage is set", r)
					}
				}
			}
		})
	}
}

// TestPrecedenceStargate: Stargate's containerImage, set at cluster level
// and overridden by one datacenter's stargate template.
func TestPrecedenceStargate(t *testing.T) {
	in := `apiVersion: k8ssandra.io/v1alpha1
kind: K8ssandraCluster
metadata:
  name: demo
spec:
  stargate:
    containerImage: {registry: docker.io, repository: stargateio, name: stargate-4_0, tag: v1.0.77}
  cassandra:
    serverVersion: 4.0.17
    serverImage: example.com/cass:4.0.17
    datacenters:
      - metadata: {name: dc1}
        stargate:
          containerImage: {registry: example.com, repository: sg, name: stargate-4_0, tag: v1.0.77}
      - metadata: {name: dc2}
`
	res, err := discover.Scan([]byte(in), "in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{
		"example.com/sg/stargate-4_0:v1.0.77":       discover.LayerDatacenter + ": the containerImage of datacenter dc1",
		"docker.io/stargateio/stargate-4_0:v1.0.77": discover.LayerCluster + ": the containerImage of datacenter dc2, which sets none; dc1 sets its own",
		"example.com/cass:4.0.17":                   discover.LayerCluster + ": the serverImage of datacenters dc1, dc2, which set none",
	} {
		img, ok := res.Find(ref)
		if !ok || len(img.Origins) != 1 || !strings.HasPrefix(img.Origins[0].Via, want) {
			t.Errorf("%s: origins %v, want via starting %q", ref, img.Origins, want)
		}
	}
}
