package rewrite_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/internal/sharedcharts"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/rewrite"
)

// kustomization is what the Component may hold; decoding refuses any other
// field.
type kustomization struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
	} `json:"images"`
	Patches []struct {
		Target struct {
			Group     string `json:"group"`
			Version   string `json:"version"`
			Kind      string `json:"kind"`
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"target"`
		Patch string `json:"patch"`
	} `json:"patches"`
}

type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// kustomizeBuild builds dir with kustomize, or kubectl kustomize, or skips.
func kustomizeBuild(t *testing.T, dir string) []byte {
	t.Helper()
	var cmd *exec.Cmd
	if p, err := exec.LookPath("kustomize"); err == nil {
		cmd = exec.Command(p, "build", dir)
	} else if p, err := exec.LookPath("kubectl"); err == nil {
		cmd = exec.Command(p, "kustomize", dir)
	} else {
		t.Skip("neither kustomize nor kubectl on PATH: the component is not built (.ci/run installs kustomize)")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.Bytes())
	}
	return out
}

// checkComponent writes the Component for in, checks that it decodes
// strictly, builds a kustomization of in that uses it, and checks that
// the build names only mirror images. It returns the kustomization.yaml.
func checkComponent(t *testing.T, in []byte, m reference.Mapping) []byte {
	t.Helper()
	comp, err := rewrite.Kustomize(in, m)
	if err != nil {
		t.Fatal(err)
	}
	data, err := comp.YAML()
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("the kustomization does not decode strictly: %v\n%s", err, data)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1alpha1" || k.Kind != "Component" {
		t.Errorf("apiVersion %q, kind %q: want a kustomize Component", k.APIVersion, k.Kind)
	}
	for _, p := range k.Patches {
		var ops []jsonPatchOp
		if err := yaml.UnmarshalStrict([]byte(p.Patch), &ops); err != nil || len(ops) == 0 {
			t.Fatalf("the patch of %s %s does not decode strictly (%v):\n%s", p.Target.Kind, p.Target.Name, err, p.Patch)
		}
		for _, op := range ops {
			if op.Op != "replace" && op.Op != "add" || !strings.HasPrefix(op.Path, "/") {
				t.Errorf("patch of %s %s: op %+v", p.Target.Kind, p.Target.Name, op)
			}
		}
	}
	dir := t.TempDir()
	for name, body := range map[string][]byte{
		"airlift/kustomization.yaml": data,
		"base/manifests.yaml":        in,
		"base/kustomization.yaml":    []byte("resources: [manifests.yaml]\ncomponents: [../airlift]\n"),
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	built := kustomizeBuild(t, filepath.Join(dir, "base"))
	checkTyped(t, in, built)
	res, err := discover.Scan(built, "")
	if err != nil {
		t.Fatalf("the build does not scan: %v", err)
	}
	if len(res.Images) == 0 {
		t.Fatal("no images in the build")
	}
	checkWarnings(t, in, res)
	for _, img := range res.Images {
		if img.Ref.Registry != m.Registry || m.Prefix != "" && !strings.HasPrefix(img.Ref.Repository, m.Prefix+"/") {
			t.Errorf("%s is not in the mirror after kustomize build: %v", img.Ref, img.Origins)
		}
	}
	return data
}

// TestKustomize builds, with kustomize, manifests with the Component made
// for them: only mirror images come out. Container images of built-in
// workloads go through the images: list; an ImageConfig in a ConfigMap,
// custom resource fields, args, env and version maps through patches.
func TestKustomize(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{name: "workloads, args, env and a version map", in: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: busybox:1.36
      containers:
      - name: app
        image: quay.io/org/app:v1
        args: ["--sidecar-image=quay.io/org/sidecar:v2"]
        env:
        - name: RELATED_IMAGE_DB
          value: docker.io/library/postgres:16
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: prod
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: backup
            image: ghcr.io/org/backup:2.1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: versions
  namespace: prod
data:
  images: |
    4.1.0=quay.io/strimzi/kafka:0.45.0-kafka-4.1.0
    4.2.0=quay.io/strimzi/kafka:0.47.0-kafka-4.2.0
`},
		{name: "ImageConfig and custom resources", in: `apiVersion: v1
kind: ConfigMap
metadata:
  name: cass-operator-manager-config
data:
  image_config.yaml: |
    apiVersion: config.k8ssandra.io/v1beta2
    kind: ImageConfig
    images:
      system-logger:
        repository: "k8ssandra"
        name: "system-logger"
        tag: "v1.32.0"
      config-builder:
        repository: "datastax"
        name: "cass-config-builder"
        tag: "1.0-ubi"
    defaults:
      registry: "docker.io"
    types:
      cassandra:
        repository: "k8ssandra"
        name: "cass-management-api"
        suffix: "-ubi"
---
apiVersion: k8ssandra.io/v1alpha1
kind: K8ssandraCluster
metadata:
  name: demo
spec:
  stargate:
    containerImage:
      registry: docker.io
      repository: stargateio
      name: stargate-4_0
      tag: v1.0.77
  cassandra:
    serverVersion: 4.1.8
    datacenters:
      - metadata:
          name: dc1
        containers:
          - name: sidecar
            image: busybox:stable
      - metadata:
          name: dc2
        serverImage: cr.k8ssandra.io/k8ssandra/cass-management-api:5.0.4
`},
	}
	m, err := reference.ParseDestination("mirror.example.com:5000/m", reference.KeepPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := checkComponent(t, []byte(tt.in), m)
			golden(t, filepath.Join("kustomize", strings.ReplaceAll(tt.name, " ", "-")+".yaml"), data)
		})
	}
}

// TestKustomizeK8ssandraCharts: the k8ssandra charts, rendered with the
// Helm SDK, built with their Component: only mirror images.
func TestKustomizeK8ssandraCharts(t *testing.T) {
	dir := sharedcharts.Dir(t)
	m, err := reference.ParseDestination("mirror.example.com:5000/m", reference.KeepPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"k8ssandra-1.3.3", "k8ssandra-1.5.2"} {
		t.Run(name, func(t *testing.T) {
			r := renderShared(t, dir, name)
			data := checkComponent(t, r.Manifest, m)
			golden(t, filepath.Join("kustomize", name+".yaml"), data)
		})
	}
}
