package rewrite_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/internal/goldenfile"
	"github.com/airlift-cli/airlift/internal/sharedcharts"
	"github.com/airlift-cli/airlift/internal/yamlstream"
	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/rewrite"
)

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", "golden", name), got)
}

// relocated rewrites in for m and checks that the result names only images
// under m. It returns the result and the changes, one per line.
func relocated(t *testing.T, in []byte, m reference.Mapping) ([]byte, string) {
	t.Helper()
	out, changes, err := rewrite.Rewrite(in, m)
	if err != nil {
		t.Fatal(err)
	}
	res, err := discover.Scan(out, "")
	if err != nil {
		t.Fatalf("the result does not scan: %v", err)
	}
	for _, img := range res.Images {
		if img.Ref.Registry != m.Registry || m.Prefix != "" && !strings.HasPrefix(img.Ref.Repository, m.Prefix+"/") {
			t.Errorf("%s is not in the mirror after relocation: %v", img.Ref, img.Origins)
		}
	}
	checkWarnings(t, in, res)
	checkTyped(t, in, out)
	var b strings.Builder
	for _, c := range changes {
		fmt.Fprintln(&b, c)
	}
	return out, b.String()
}

// checkWarnings fails on warnings of the relocated stream (res) that the
// input did not have: a reference the rewrite broke is a warning, not an
// image.
func checkWarnings(t *testing.T, in []byte, res *discover.Result) {
	t.Helper()
	before, _ := discover.Scan(in, "")
	had := map[string]bool{}
	for _, w := range before.Warnings {
		had[w.Origin.Object()+" "+w.Origin.Path] = true
	}
	for _, w := range res.Warnings {
		if !had[w.Origin.Object()+" "+w.Origin.Path] {
			t.Errorf("new warning after relocation: %s", w)
		}
	}
}

var layouts = []reference.Layout{reference.KeepPath, reference.Flatten, reference.KeepHost}

// TestOperatorConfigs relocates every file of the shared operator configs
// (cass-operator ImageConfigs v1beta1 and v1beta2, K8ssandraClusters): the
// result names only mirror images, and the ImageConfigs move by their own
// registry settings.
func TestOperatorConfigs(t *testing.T) {
	dir := filepath.Join(sharedcharts.Dir(t), "operator-configs")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(path) == ".yaml" {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no operator configs under %s", dir)
	}
	for _, layout := range layouts {
		m, err := reference.ParseDestination("mirror.example.com:5000/m", layout)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			rel, _ := filepath.Rel(dir, f)
			t.Run(layout.String()+"/"+rel, func(t *testing.T) {
				in, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				out, changes := relocated(t, in, m)
				if bytes.Contains(in, []byte("kind: ImageConfig")) {
					if !strings.Contains(changes, "by ImageConfig ") {
						t.Errorf("the ImageConfig did not move by its settings:\n%s", changes)
					}
					laterDatacenters(t, out, m)
				}
				golden(t, filepath.Join("operator-configs", layout.String(), rel), append(out, "# changes:\n"+comment(changes)...))
			})
		}
	}
}

// laterDatacenters adds to a relocated stream datacenters of every server
// type, on versions no manifest named: the server images cass-operator
// derives for them through the relocated ImageConfig are in the mirror.
func laterDatacenters(t *testing.T, out []byte, m reference.Mapping) {
	t.Helper()
	var b strings.Builder
	b.Write(out)
	for _, dc := range []struct{ typ, version string }{{"cassandra", "5.0.4"}, {"dse", "6.9.10"}, {"hcd", "1.2.3"}} {
		fmt.Fprintf(&b, "---\napiVersion: cassandra.datastax.com/v1beta1\nkind: CassandraDatacenter\nmetadata:\n  name: later-%s\nspec:\n  serverType: %s\n  serverVersion: %s\n", dc.typ, dc.typ, dc.version)
	}
	res, err := discover.Scan([]byte(b.String()), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range res.Images {
		for _, o := range img.Origins {
			if strings.HasPrefix(o.Name, "later-") && (img.Ref.Registry != m.Registry || m.Prefix != "" && !strings.HasPrefix(img.Ref.Repository, m.Prefix+"/")) {
				t.Errorf("a %s datacenter added later runs %s, not from the mirror (%s)", strings.TrimPrefix(o.Name, "later-"), img.Ref, o.Via)
			}
		}
	}
}

// comment writes text as YAML comment lines.
func comment(text string) string {
	var b strings.Builder
	for l := range strings.Lines(text) {
		b.WriteString("# " + l)
	}
	return b.String()
}

// TestImageConfigVersionMapping relocates a cass-operator ConfigMap and a
// K8ssandraCluster whose datacenters set no serverImage: the ImageConfig's
// registry setting moves the server images derived from serverVersion, so
// that a datacenter added later, on a version the manifests never named,
// runs from the mirror too; no server image is pinned.
func TestImageConfigVersionMapping(t *testing.T) {
	const in = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cass-operator-manager-config
data:
  image_config.yaml: |
    apiVersion: config.k8ssandra.io/v1beta1
    kind: ImageConfig
    metadata:
      name: image-config
    images:
      system-logger: "cr.k8ssandra.io/k8ssandra/system-logger:v1.28.0"
      config-builder: "cr.dtsx.io/datastax/cass-config-builder:1.0-ubi"
    defaults:
      cassandra:
        repository: "cr.k8ssandra.io/k8ssandra/cass-management-api"
---
apiVersion: k8ssandra.io/v1alpha1
kind: K8ssandraCluster
metadata:
  name: demo
spec:
  cassandra:
    serverVersion: 4.1.8
    datacenters:
      - metadata:
          name: dc1
`
	for _, tt := range []struct {
		name string
		to   string
	}{
		{name: "registry only", to: "mirror.example.com:5000"},
		{name: "registry and prefix", to: "mirror.example.com:5000/team/cass"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := reference.ParseDestination(tt.to, reference.KeepPath)
			if err != nil {
				t.Fatal(err)
			}
			out, changes := relocated(t, []byte(in), m)
			if strings.Contains(string(out), "cass-management-api:4.1.8") {
				t.Errorf("the server image is pinned:\n%s", out)
			}
			if !strings.Contains(changes, "the version mapping keeps working") {
				t.Errorf("the changes do not say the version mapping keeps working:\n%s", changes)
			}
			later := string(out) + `---
apiVersion: cassandra.datastax.com/v1beta1
kind: CassandraDatacenter
metadata:
  name: later
spec:
  serverType: cassandra
  serverVersion: 5.0.4
`
			res, err := discover.Scan([]byte(later), "")
			if err != nil {
				t.Fatal(err)
			}
			want := tt.to + "/k8ssandra/cass-management-api:5.0.4"
			if _, ok := res.Find(want); !ok {
				t.Errorf("a datacenter added later runs %v, want %s among them", res.Refs(), want)
			}
			golden(t, filepath.Join("imageconfig-version-mapping", strings.ReplaceAll(tt.name, " ", "-")+".yaml"),
				append(out, "# changes:\n"+comment(changes)...))
		})
	}
}

// renderShared renders a chart of the shared corpus with the Helm SDK
// (pkg/chart), for a fixed Kubernetes version.
func renderShared(t *testing.T, dir, name string) *chart.Rendered {
	t.Helper()
	l, err := chart.Load(context.Background(), chart.Source{Chart: filepath.Join(dir, name)}, chart.Values{},
		chart.Options{ReleaseName: "test", KubeVersion: "v1.32.0", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Render(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestK8ssandraCharts relocates the k8ssandra charts of the shared corpus,
// rendered with the Helm SDK (pkg/chart) for a fixed Kubernetes version:
// the result names only mirror images, cass-operator's ImageConfig and
// the CassandraDatacenter fields included.
func TestK8ssandraCharts(t *testing.T) {
	dir := sharedcharts.Dir(t)
	for _, name := range []string{"k8ssandra-1.3.3", "k8ssandra-1.5.2"} {
		t.Run(name, func(t *testing.T) {
			r := renderShared(t, dir, name)
			m, err := reference.ParseDestination("mirror.example.com:5000/m", reference.KeepPath)
			if err != nil {
				t.Fatal(err)
			}
			_, changes := relocated(t, r.Manifest, m)
			golden(t, filepath.Join("charts", name+".changes.txt"), []byte(changes))
		})
	}
}

// typed are the built-in kinds the relocated objects are decoded into,
// refusing unknown fields.
var typed = map[string]func() any{
	"v1/ConfigMap":        func() any { return &corev1.ConfigMap{} },
	"v1/Pod":              func() any { return &corev1.Pod{} },
	"apps/v1/Deployment":  func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet": func() any { return &appsv1.StatefulSet{} },
	"apps/v1/DaemonSet":   func() any { return &appsv1.DaemonSet{} },
	"batch/v1/Job":        func() any { return &batchv1.Job{} },
	"batch/v1/CronJob":    func() any { return &batchv1.CronJob{} },
}

// strictObjects decodes every object of a stream of a typed kind strictly:
// it returns the objects by kind/namespace/name, with the error of each.
func strictObjects(data []byte) map[string]error {
	out := map[string]error{}
	for _, d := range yamlstream.Split(data) {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name, Namespace string
			} `json:"metadata"`
		}
		if sigsyaml.Unmarshal(d.Body, &head) != nil {
			continue
		}
		mk, ok := typed[head.APIVersion+"/"+head.Kind]
		if !ok {
			continue
		}
		out[head.Kind+"/"+head.Metadata.Namespace+"/"+head.Metadata.Name] = sigsyaml.UnmarshalStrict(d.Body, mk())
	}
	return out
}

// checkTyped checks that every object of a built-in kind that decodes
// strictly before the relocation still does after it.
func checkTyped(t *testing.T, before, after []byte) {
	t.Helper()
	was, is := strictObjects(before), strictObjects(after)
	checked := 0
	for k, err := range was {
		if err != nil {
			continue
		}
		checked++
		if err, ok := is[k]; ok && err != nil {
			t.Errorf("%s does not decode strictly after the relocation: %v", k, err)
		}
	}
	t.Logf("%d object(s) of built-in kinds decode strictly", checked)
}
