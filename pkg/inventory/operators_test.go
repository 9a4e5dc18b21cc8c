package inventory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/internal/sharedcharts"
	"github.com/airlift-cli/airlift/pkg/discover"
)

func TestOperatorConfigs(t *testing.T) {
	t.Parallel()
	sharedCharts := sharedcharts.Dir(t)
	dir := filepath.Join(sharedCharts, "operator-configs")
	tests := []struct {
		file string
		want []string
	}{
		{"cass-operator/v1.10.5/config/manager/image_config.yaml", []string{"docker.io/datastax/cass-config-builder:1.0.4-ubi7", "docker.io/k8ssandra/system-logger:v1.10.5"}},
		{"cass-operator/v1.10.5/config/manager/controller_manager_config.yaml", nil},
		{"cass-operator/v1.28.0/config/manager/image_config.yaml", []string{"docker.io/datastax/cass-config-builder:1.0-ubi", "docker.io/k8ssandra/k8ssandra-client:v0.8.3", "docker.io/k8ssandra/system-logger:v1.28.0"}},
		{"cass-operator/v1.28.0/config/manager/controller_manager_config.yaml", nil},
		{"cass-operator/v1.30.0/config/manager/image_config.yaml", []string{"docker.io/datastax/cass-config-builder:1.0-ubi", "docker.io/k8ssandra/k8ssandra-client:v0.8.8", "docker.io/k8ssandra/system-logger:latest"}},
		{"cass-operator/v1.32.0/config/imageconfig/image_config.yaml", []string{"docker.io/datastax/cass-config-builder:1.0-ubi", "docker.io/k8ssandra/k8ssandra-client:v0.8.12", "docker.io/k8ssandra/system-logger:v1.32.0"}},
		{"cass-operator/v1.32.0/tests/testdata/image_config_parsing.yaml", []string{
			"localhost:5000/datastax/cass-config-builder:1.0-ubi", "localhost:5000/datastax/dse-server-prototype:latest",
			"localhost:5000/k8ssandra/cassandra-ubi:latest", "localhost:5000/k8ssandra/k8ssandra-client:v0.2.2",
			"localhost:5000/k8ssandra/system-logger:latest"}},
		{"cass-operator/v1.32.0/tests/testdata/image_config_parsing_more_options.yaml", []string{
			"localhost:5000/enterprise/hcd:latest", "localhost:5000/enterprise/k8ssandra-client:v0.2.2",
			"localhost:5000/enterprise/reaper:latest", "localhost:5001/enterprise/cassandra-ubi:latest",
			"localhost:5002/enterprise/dse-server-prototype:latest", "localhost:5003/enterprise/cass-config-builder:1.0-ubi",
			"localhost:5004/enterprise/system-logger:latest", "localhost:5005/enterprise/medusa:latest"}},
		{"cass-operator/v1.32.0/tests/testdata/image_config_parsing_v2.yaml", []string{
			"docker.io/datastax/cass-config-builder:1.0-ubi",
			"docker.io/k8ssandra/k8ssandra-client:v0.8.3@sha256:93a57444c14cec724942103543db6bb140ea444dca19b001701cc736b9e0d959",
			"docker.io/thelastpickle/cassandra-medusa:latest", "docker.io/thelastpickle/cassandra-reaper:latest",
			"ghcr.io/k8ssandra/system-logger:latest"}},
		{"k8ssandra-operator/v1.32.1/config/samples/k8ssandra.io_v1alpha1_k8ssandracluster.yaml", nil},
		{"k8ssandra-operator/v1.32.1/test/testdata/fixtures/single-dc-hcd/k8ssandra.yaml", []string{"docker.io/datastax/hcd:1.0.0-early-preview"}},
		{"k8ssandra-operator/v1.32.1/test/testdata/fixtures/single-dc-reaper/k8ssandra.yaml", []string{"docker.io/library/busybox:latest"}},
		{"k8ssandra-operator/v1.32.1/test/testdata/fixtures/single-dc/k8ssandra.yaml", []string{"docker.io/library/busybox:stable"}},
		{"k8ssandra-operator/v1.32.1/test/testdata/imageconfig/image_config_test.yaml", []string{
			"docker.io/datastax/cass-config-builder:1.0-ubi", "docker.io/k8ssandra/k8ssandra-client:v0.8.2",
			"docker.io/thelastpickle/cassandra-medusa:v0.25.0", "docker.io/thelastpickle/cassandra-reaper:4.0.1",
			"ghcr.io/k8ssandra/system-logger:latest"}},
		{"k8ssandra-operator/v1.32.1/test/testdata/samples/k8ssandra-single-kind-medusa.yaml", nil},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := FromManifests(Input{Name: tt.file, Data: b})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, img := range rep.Images {
				got = append(got, img.Ref.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("images:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	// Every file of the directory is covered by a case.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".yaml") {
			if rel, _ := filepath.Rel(dir, p); !seen[rel] {
				t.Errorf("no case for %s", rel)
			}
		}
		return nil
	})

	// Together, the ImageConfig resolves the server images of the cluster.
	var inputs []Input
	for _, f := range []string{"k8ssandra-operator/v1.32.1/test/testdata/imageconfig/image_config_test.yaml", "k8ssandra-operator/v1.32.1/test/testdata/fixtures/single-dc/k8ssandra.yaml"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		inputs = append(inputs, Input{Name: f, Data: b})
	}
	rep, err := FromManifests(inputs...)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := (&discover.Result{Images: rep.Images}).Find("ghcr.io/k8ssandra/cass-management-api:4.0.17-ubi"); !ok || len(rep.Warnings) != 0 {
		t.Errorf("server image not derived from the ImageConfig: images %v, warnings %v", rep.Images, rep.Warnings)
	}
}

// TestDerivedNamesTheConfigFile: a server image derived from an
// ImageConfig read from another input names that input, since several
// may hold an ImageConfig of the same name.
func TestDerivedNamesTheConfigFile(t *testing.T) {
	t.Parallel()
	config := []byte(`apiVersion: config.k8ssandra.io/v1beta1
kind: ImageConfig
metadata: {name: image-config}
images: {system-logger: "k8ssandra/system-logger:v1.28.0"}
defaults: {cassandra: {repository: "k8ssandra/cass-management-api"}}
`)
	dc := []byte(`apiVersion: cassandra.datastax.com/v1beta1
kind: CassandraDatacenter
metadata: {name: dc1}
spec: {serverType: cassandra, serverVersion: "4.1.8"}
`)
	rep, err := FromManifests(Input{Name: "operator/image_config.yaml", Data: config}, Input{Name: "dc.yaml", Data: dc})
	if err != nil {
		t.Fatal(err)
	}
	derived := 0
	for _, img := range rep.Images {
		for _, o := range img.Origins {
			if o.Form != discover.Derived {
				continue
			}
			derived++
			if !strings.Contains(o.Via, "ImageConfig/image-config in operator/image_config.yaml") {
				t.Errorf("derived %s: via %q does not name the config's file", img.Ref, o.Via)
			}
		}
	}
	if derived == 0 {
		t.Errorf("no server image derived: %+v %v", rep.Images, rep.Warnings)
	}
}
