package discover

import (
	"slices"
	"strings"
	"testing"
)

func TestPositions(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ref  string
		path string // Origin.Path, unchanged by the steps that lead to the object
		at   string // Origin.At.String()
		form Form
	}{
		{
			name: "container image in the second document",
			in: `---
# Source: c/templates/a.yaml
kind: Pod
metadata: {name: a}
---
# Source: c/templates/b.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: b}
spec:
  template:
    spec:
      containers:
      - name: app
        image: busybox:1.36
`,
			ref:  "busybox:1.36",
			path: "spec.template.spec.containers[0].image",
			at:   "line 15, document 1: spec.template.spec.containers[0].image",
		},
		{
			name: "content on the separator line",
			in:   "--- {kind: Pod, metadata: {name: a}, spec: {containers: [{image: a:1}]}}\n--- {kind: Pod, metadata: {name: b}, spec: {containers: [{image: b:1}]}}\n",
			ref:  "b:1",
			path: "spec.containers[0].image",
			at:   "line 2, document 1: spec.containers[0].image",
		},
		{
			name: "an object of a top-level list",
			in: `- {kind: Pod, metadata: {name: a}}
- kind: Pod
  metadata: {name: b}
  spec:
    containers: [{name: c, image: "quay.io/a/b:1"}]
`,
			ref:  "quay.io/a/b:1",
			path: "spec.containers[0].image",
			at:   "line 5, document 0: [1].spec.containers[0].image",
		},
		{
			name: "an item of a v1 List",
			in: `apiVersion: v1
kind: List
items:
- kind: Pod
  metadata: {name: a}
- kind: Pod
  metadata: {name: b}
  spec:
    containers:
    - image: quay.io/a/b:1
`,
			ref:  "quay.io/a/b:1",
			path: "spec.containers[0].image",
			at:   "line 10, document 0: items[1].spec.containers[0].image",
		},
		{
			name: "the second document of a ConfigMap value",
			in: `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  pods.yaml: |
    kind: Pod
    spec: {containers: [{image: "quay.io/a/a:1"}]}
    ---
    kind: Pod
    spec:
      containers:
      - image: "quay.io/a/b:1"
`,
			ref:  "quay.io/a/b:1",
			path: `data["pods.yaml"].spec.containers[0].image`,
			at:   `line 12, document 0: data["pods.yaml"], document 1: spec.containers[0].image`,
		},
		{
			name: "JSON on one line in a ConfigMap",
			in: `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  config.json: '{"sidecar": {"image": "quay.io/a/b:1"}}'
`,
			ref:  "quay.io/a/b:1",
			path: `data["config.json"].sidecar.image`,
			at:   `line 5, document 0: data["config.json"], document 0: sidecar.image`,
		},
		{
			name: "an image object: the object, at its first field",
			in: `apiVersion: k8ssandra.io/v1alpha1
kind: K8ssandraCluster
metadata: {name: demo}
spec:
  medusa:
    containerImage:
      repository: k8ssandra
      name: medusa
      tag: 0.22.0
`,
			ref:  "docker.io/k8ssandra/medusa:0.22.0",
			path: "spec.medusa.containerImage",
			at:   "line 7, document 0: spec.medusa.containerImage",
			form: ImageObject,
		},
		{
			name: "an image volume {reference}",
			in: `kind: Pod
metadata: {name: p}
spec:
  volumes:
  - name: data
    image: {reference: "quay.io/a/data:1", pullPolicy: IfNotPresent}
`,
			ref:  "quay.io/a/data:1",
			path: "spec.volumes[0].image",
			at:   "line 6, document 0: spec.volumes[0].image",
			form: ImageObject,
		},
		{
			name: "a flag value in the next arg",
			in: `kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: op
    args:
    - --thanos-default-base-image
    - quay.io/thanos/thanos:v0.1
`,
			ref:  "quay.io/thanos/thanos:v0.1",
			path: "spec.containers[0].args[1]",
			at:   "line 8, document 0: spec.containers[0].args[1]",
		},
		{
			name: "an ImageConfig image the operator moves to its imageRegistry",
			in: `apiVersion: config.k8ssandra.io/v1beta1
kind: ImageConfig
images:
  system-logger: "k8ssandra/system-logger:v1.13.1"
imageRegistry: "localhost:5000"
`,
			ref:  "localhost:5000/k8ssandra/system-logger:v1.13.1",
			path: "images.system-logger",
			at:   "line 4, document 0: images.system-logger",
			form: Overridden,
		},
		{
			name: "a server image the operator derives: at the serverVersion",
			in: `apiVersion: config.k8ssandra.io/v1beta1
kind: ImageConfig
images:
  cassandra:
    "4.0.3": "k8ssandra/cass-management-api:4.0.3"
---
apiVersion: cassandra.datastax.com/v1beta1
kind: CassandraDatacenter
metadata: {name: dc1}
spec:
  serverType: cassandra
  serverVersion: "4.0.3"
`,
			ref:  "docker.io/k8ssandra/cass-management-api:4.0.3",
			path: "spec.serverVersion",
			at:   "line 12, document 1: spec.serverVersion",
			form: Derived,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Scan([]byte(tt.in), "in.yaml")
			if err != nil {
				t.Fatal(err)
			}
			img, ok := res.Find(tt.ref)
			if !ok {
				t.Fatalf("%s not found in %q (warnings %v)", tt.ref, res.Refs(), res.Warnings)
			}
			i := slices.IndexFunc(img.Origins, func(o Origin) bool { return o.Form == tt.form })
			if i < 0 {
				t.Fatalf("no origin of form %s: %+v", tt.form, img.Origins)
			}
			o := img.Origins[i]
			if o.Path != tt.path {
				t.Errorf("Path = %q, want %q", o.Path, tt.path)
			}
			if got := o.At.String(); got != tt.at {
				t.Errorf("At = %q, want %q", got, tt.at)
			}
		})
	}
}

func TestPositionSteps(t *testing.T) {
	tests := []struct {
		name  string
		steps []Step
	}{
		{"none", nil},
		{"keys and indexes", []Step{documentStep(0), keyStep("spec"), keyStep("containers"), indexStep(0), keyStep("image")}},
		{"keys that are not plain", []Step{documentStep(3), keyStep(""), keyStep(`a "quoted" key.yaml`), keyStep("ключ")}},
		{"large indexes and long keys", []Step{documentStep(1 << 20), indexStep(127), indexStep(128), keyStep(strings.Repeat("k", 300))}},
		{"documents inside documents", []Step{documentStep(0), keyStep("data"), keyStep("a"), documentStep(2), keyStep("data"), keyStep("b"), documentStep(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Position{Line: 1, steps: encodeSteps(tt.steps)}
			if got := p.Steps(); !slices.Equal(got, tt.steps) {
				t.Errorf("Steps() = %+v, want %+v", got, tt.steps)
			}
			q := Position{Line: 1, steps: encodeSteps(slices.Clone(tt.steps))}
			if p != q {
				t.Error("equal steps make unequal positions")
			}
		})
	}
}

// TestOriginsApartByPosition: one image at the same path of two documents
// held by one ConfigMap value has two origins, which Path alone does not
// tell apart.
func TestOriginsApartByPosition(t *testing.T) {
	in := `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  pods.yaml: |
    spec: {containers: [{image: "quay.io/a/b:1"}]}
    ---
    spec: {containers: [{image: "quay.io/a/b:1"}]}
`
	res, err := Scan([]byte(in), "")
	if err != nil {
		t.Fatal(err)
	}
	img, _ := res.Find("quay.io/a/b:1")
	if len(img.Origins) != 2 || img.Origins[0].Path != img.Origins[1].Path || img.Origins[0].At == img.Origins[1].At {
		t.Errorf("origins = %+v, want two at one Path and two positions", img.Origins)
	}
	if img.Origins[0].At.Line != 6 || img.Origins[1].At.Line != 8 {
		t.Errorf("lines %d, %d; want 6, 8", img.Origins[0].At.Line, img.Origins[1].At.Line)
	}
}
