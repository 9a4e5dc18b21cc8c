package overrides_test

import (
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
)

func TestRewrite(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		out     string   // "" means unchanged
		skipped []string // substrings of Skipped reasons, in order
	}{
		{
			name: "container images keep their written form",
			in: `---
# Source: app/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: busybox
      containers:
      - name: app
        image: "quay.io/org/app:v1"   # pinned
      - name: pinned
        image: 'registry.k8s.io/x/y:v2@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1'
`,
			out: `---
# Source: app/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: registry.example.com:5000/mirror/library/busybox
      containers:
      - name: app
        image: "registry.example.com:5000/mirror/org/app:v1"   # pinned
      - name: pinned
        image: 'registry.example.com:5000/mirror/x/y:v2@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1'
`,
		},
		{
			name: "args, command and env",
			in: `apiVersion: apps/v1
kind: Deployment
metadata: {name: op}
spec:
  template:
    spec:
      containers:
      - name: op
        image: quay.io/op/op:1
        args: ["--config-reloader-image=quay.io/op/reloader:1", "--thanos-default-base-image", "quay.io/thanos/thanos:v0.1"]
        command:
        - sh
        - -c
        - exec run --base=ghcr.io/a/b:2 --verbose
        env:
        - name: SIDECAR_IMAGE
          value: docker.io/library/nginx:1.27
`,
			out: `apiVersion: apps/v1
kind: Deployment
metadata: {name: op}
spec:
  template:
    spec:
      containers:
      - name: op
        image: registry.example.com:5000/mirror/op/op:1
        args: ["--config-reloader-image=registry.example.com:5000/mirror/op/reloader:1", "--thanos-default-base-image", "registry.example.com:5000/mirror/thanos/thanos:v0.1"]
        command:
        - sh
        - -c
        - exec run --base=registry.example.com:5000/mirror/a/b:2 --verbose
        env:
        - name: SIDECAR_IMAGE
          value: registry.example.com:5000/mirror/library/nginx:1.27
`,
		},
		{
			name: "ImageConfig in a ConfigMap, image object in a custom resource",
			in: `apiVersion: v1
kind: ConfigMap
metadata: {name: cass-operator-config}
data:
  image_config.yaml: |
    apiVersion: config.k8ssandra.io/v1beta1
    kind: ImageConfig
    images:
      system-logger: "k8ssandra/system-logger:v1.13.1"
      config-builder: "datastax/cass-config-builder:1.0.5-ubi7"
---
apiVersion: k8ssandra.io/v1alpha1
kind: K8ssandraCluster
metadata: {name: demo}
spec:
  stargate:
    containerImage:
      registry: docker.io
      repository: stargateio
      name: stargate-4_0
      tag: v1.0.77
`,
			out: `apiVersion: v1
kind: ConfigMap
metadata: {name: cass-operator-config}
data:
  image_config.yaml: |
    apiVersion: config.k8ssandra.io/v1beta1
    kind: ImageConfig
    images:
      system-logger: "registry.example.com:5000/mirror/k8ssandra/system-logger:v1.13.1"
      config-builder: "registry.example.com:5000/mirror/datastax/cass-config-builder:1.0.5-ubi7"
---
apiVersion: k8ssandra.io/v1alpha1
kind: K8ssandraCluster
metadata: {name: demo}
spec:
  stargate:
    containerImage:
      registry: registry.example.com:5000
      repository: mirror/stargateio
      name: stargate-4_0
      tag: v1.0.77
`,
		},
		{
			name: "already under the destination: nothing to do",
			in: `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: registry.example.com:5000/mirror/library/busybox:1.36
`,
		},
		{
			name: "images the operator derives or rewrites are reported, not changed",
			in: `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  image_config.yaml: |
    apiVersion: config.k8ssandra.io/v1beta1
    kind: ImageConfig
    images:
      system-logger: "k8ssandra/system-logger:v1.13.1"
    imageRegistry: "localhost:5000"
---
apiVersion: cassandra.datastax.com/v1beta1
kind: CassandraDatacenter
metadata: {name: dc1}
spec:
  serverType: cassandra
  serverVersion: "4.0.3"
`,
			skipped: []string{"applies its ImageConfig imageRegistry", "derived by the operator"},
		},
	}
	m := mapping(t, dest, reference.KeepPath)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changes, err := overrides.Rewrite([]byte(tt.in), m)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.out
			if want == "" {
				want = tt.in
			}
			if string(out) != want {
				t.Errorf("got\n%s\nwant\n%s", out, want)
			}
			var skipped []string
			for _, c := range changes {
				if c.Skipped != "" {
					skipped = append(skipped, c.Skipped)
				} else if c.Line == 0 || c.To.IsZero() {
					t.Errorf("change %+v has no line or target", c)
				}
			}
			if len(skipped) != len(tt.skipped) {
				t.Fatalf("skipped = %q, want %q", skipped, tt.skipped)
			}
			for i, s := range tt.skipped {
				if !strings.Contains(skipped[i], s) {
					t.Errorf("skipped[%d] = %q, want %q", i, skipped[i], s)
				}
			}
			again, _, err := overrides.Rewrite(out, m)
			if err != nil || string(again) != string(out) {
				t.Errorf("rewriting twice changed the output (%v)", err)
			}
		})
	}
}

func TestRewriteEveryImageMoves(t *testing.T) {
	c := loadChart(t, fixture("hardcoded"), chartValues())
	manifest, err := c.Render(t.Context(), map[string]any{"image": map[string]any{"registry": dest}})
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := overrides.Rewrite(manifest, mapping(t, dest, reference.KeepPath))
	if err != nil {
		t.Fatal(err)
	}
	res, err := discover.Scan(out, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range res.Images {
		if !strings.HasPrefix(img.Ref.String(), dest+"/") {
			t.Errorf("%s not moved", img.Ref)
		}
	}
	if len(res.Images) != 4 {
		t.Errorf("%d images after the rewrite, want 4", len(res.Images))
	}
}

func TestRewriteSyntaxError(t *testing.T) {
	_, _, err := overrides.Rewrite([]byte("a: [\n---\nb: 1\n"), mapping(t, dest, reference.KeepPath))
	if err == nil {
		t.Fatal("no error for a document that is not YAML")
	}
}
