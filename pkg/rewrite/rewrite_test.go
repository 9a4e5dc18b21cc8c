package rewrite_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/rewrite"
)

func TestRewrite(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		out      string   // "" means unchanged
		skipped  []string // substrings of Skipped reasons, in order
		flat     bool     // map with reference.Flatten
		keepHost bool     // map with reference.KeepHost
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
			name: "ImageConfig in a ConfigMap (moved by its imageRegistry), image object in a custom resource",
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
    imageRegistry: "registry.example.com:5000/mirror"
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
      registry: registry.example.com:5000
      repository: mirror/stargateio
      name: stargate-4_0
      tag: v1.0.77
`,
		},
		{
			name: "image volume {reference}",
			in: `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  volumes:
  - name: models
    image:
      reference: "quay.io/org/models:v1"
      pullPolicy: IfNotPresent
`,
			out: `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  volumes:
  - name: models
    image:
      reference: "registry.example.com:5000/mirror/org/models:v1"
      pullPolicy: IfNotPresent
`,
		},
		{
			name: "a v1 List: its items are found from the stream",
			in: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a}
  spec:
    containers:
    - name: c
      image: quay.io/org/a:1
- apiVersion: v1
  kind: Pod
  metadata: {name: b}
  spec:
    containers:
    - name: c
      image: quay.io/org/b:1
`,
			out: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a}
  spec:
    containers:
    - name: c
      image: registry.example.com:5000/mirror/org/a:1
- apiVersion: v1
  kind: Pod
  metadata: {name: b}
  spec:
    containers:
    - name: c
      image: registry.example.com:5000/mirror/org/b:1
`,
		},
		{
			name: "the last line of block scalars without a final newline",
			in: `apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data:
  strip: |-
    image: quay.io/org/a:1
  script: |-
    #!/bin/sh
    exec run quay.io/org/b:1
  folded: >-
    run
    quay.io/org/c:1
  plain: run
    quay.io/org/e:1
  quoted: "run
    quay.io/org/f:1"
  after: quay.io/org/d:1
`,
			out: `apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data:
  strip: |-
    image: registry.example.com:5000/mirror/org/a:1
  script: |-
    #!/bin/sh
    exec run registry.example.com:5000/mirror/org/b:1
  folded: >-
    run
    registry.example.com:5000/mirror/org/c:1
  plain: run
    registry.example.com:5000/mirror/org/e:1
  quoted: "run
    registry.example.com:5000/mirror/org/f:1"
  after: registry.example.com:5000/mirror/org/d:1
`,
		},
		{
			name: "one path in two documents of a ConfigMap value: both move",
			in: `apiVersion: v1
kind: ConfigMap
metadata: {name: templates}
data:
  pods.yaml: |
    kind: Pod
    spec:
      containers:
      - image: quay.io/org/a:1
    ---
    kind: Pod
    spec:
      containers:
      - image: quay.io/org/b:1
`,
			out: `apiVersion: v1
kind: ConfigMap
metadata: {name: templates}
data:
  pods.yaml: |
    kind: Pod
    spec:
      containers:
      - image: registry.example.com:5000/mirror/org/a:1
    ---
    kind: Pod
    spec:
      containers:
      - image: registry.example.com:5000/mirror/org/b:1
`,
		},
		{
			name: "latest written stays written, implied stays implied",
			in: `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - {name: a, image: busybox}
  containers:
  - {name: b, image: "busybox:latest"}
`,
			out: `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - {name: a, image: registry.example.com:5000/mirror/library/busybox}
  containers:
  - {name: b, image: "registry.example.com:5000/mirror/library/busybox:latest"}
`,
		},
		{
			name: "version map entries in an env value: each entry moves, the keys stay",
			in: `apiVersion: apps/v1
kind: Deployment
metadata: {name: strimzi-cluster-operator}
spec:
  template:
    spec:
      containers:
      - name: op
        image: quay.io/strimzi/operator:1.2.0
        env:
        - name: STRIMZI_KAFKA_IMAGES
          value: |                 
            4.2.0=quay.io/strimzi/kafka:1.2.0-kafka-4.2.0
            4.3.1=quay.io/strimzi/kafka:1.2.0-kafka-4.3.1
        - {name: ONE, value: "3.7.0=quay.io/org/product:0.41.0-3.7.0"}
`,
			out: `apiVersion: apps/v1
kind: Deployment
metadata: {name: strimzi-cluster-operator}
spec:
  template:
    spec:
      containers:
      - name: op
        image: registry.example.com:5000/mirror/strimzi/operator:1.2.0
        env:
        - name: STRIMZI_KAFKA_IMAGES
          value: |                 
            4.2.0=registry.example.com:5000/mirror/strimzi/kafka:1.2.0-kafka-4.2.0
            4.3.1=registry.example.com:5000/mirror/strimzi/kafka:1.2.0-kafka-4.3.1
        - {name: ONE, value: "3.7.0=registry.example.com:5000/mirror/org/product:0.41.0-3.7.0"}
`,
		},
		{
			name: "template text and config files in ConfigMap and Secret data",
			in: `apiVersion: v1
kind: ConfigMap
metadata: {name: injector}
data:
  config: |-
    templates:
      grpc-simple: |
        spec:
          initContainers:
          - name: init
            image: busybox:1.28 # pinned
          containers:
          - name: c
            image: "{{ .ProxyImage }}"
  agent.toml: |
    [agent]
    image = "quay.io/acme/agent:1.2"
---
apiVersion: v1
kind: Secret
metadata: {name: s}
stringData:
  run.sh: |
    #!/bin/sh
    exec /manager --sidecar-image=ghcr.io/acme/sidecar:4 --port=8080
`,
			out: `apiVersion: v1
kind: ConfigMap
metadata: {name: injector}
data:
  config: |-
    templates:
      grpc-simple: |
        spec:
          initContainers:
          - name: init
            image: registry.example.com:5000/mirror/library/busybox:1.28 # pinned
          containers:
          - name: c
            image: "{{ .ProxyImage }}"
  agent.toml: |
    [agent]
    image = "registry.example.com:5000/mirror/acme/agent:1.2"
---
apiVersion: v1
kind: Secret
metadata: {name: s}
stringData:
  run.sh: |
    #!/bin/sh
    exec /manager --sidecar-image=registry.example.com:5000/mirror/acme/sidecar:4 --port=8080
`,
		},
		{
			name: "Secret data in base64: the decoded text is rewritten and encoded again",
			in: `apiVersion: v1
kind: Secret
metadata: {name: agent}
data:
  agent.toml: W2FnZW50XQppbWFnZSA9ICJxdWF5LmlvL2FjbWUvYWdlbnQ6MS4yIgo=
  values.yaml: "c2lkZWNhcjoKICBpbWFnZTogZ2hjci5pby9hY21lL3NpZGVjYXI6NAo=" # quoted
  keystore: AAECYmluYXJ5
`,
			out: `apiVersion: v1
kind: Secret
metadata: {name: agent}
data:
  agent.toml: W2FnZW50XQppbWFnZSA9ICJyZWdpc3RyeS5leGFtcGxlLmNvbTo1MDAwL21pcnJvci9hY21lL2FnZW50OjEuMiIK
  values.yaml: "c2lkZWNhcjoKICBpbWFnZTogcmVnaXN0cnkuZXhhbXBsZS5jb206NTAwMC9taXJyb3IvYWNtZS9zaWRlY2FyOjQK" # quoted
  keystore: AAECYmluYXJ5
`,
		},
		{
			name: "env images in parts: the repository or the registry moves, the version stays",
			in: `apiVersion: apps/v1
kind: Deployment
metadata: {name: op}
spec:
  template:
    spec:
      containers:
      - name: op
        image: quay.io/mongodb/mongodb-kubernetes:1.9.1
        env:
        - {name: INIT_DATABASE_IMAGE_REPOSITORY, value: quay.io/mongodb/mongodb-kubernetes-init-database}
        - {name: INIT_DATABASE_VERSION, value: "1.9.1"}
        - {name: MDB_SEARCH_REPO_URL, value: quay.io/mongodb}
        - {name: MDB_SEARCH_NAME, value: mongodb-search}
        - {name: MDB_SEARCH_VERSION, value: "1.70.1"}
`,
			out: `apiVersion: apps/v1
kind: Deployment
metadata: {name: op}
spec:
  template:
    spec:
      containers:
      - name: op
        image: registry.example.com:5000/mirror/mongodb/mongodb-kubernetes:1.9.1
        env:
        - {name: INIT_DATABASE_IMAGE_REPOSITORY, value: registry.example.com:5000/mirror/mongodb/mongodb-kubernetes-init-database}
        - {name: INIT_DATABASE_VERSION, value: "1.9.1"}
        - {name: MDB_SEARCH_REPO_URL, value: registry.example.com:5000/mirror/mongodb}
        - {name: MDB_SEARCH_NAME, value: mongodb-search}
        - {name: MDB_SEARCH_VERSION, value: "1.70.1"}
`,
		},
		{
			name: "a composed reference moves through its registry part, shared by two images",
			in: `apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector}
data:
  values: |-
    {
      "global": {
        "hub": "docker.io/istio",
        "tag": "1.30.3",
        "proxy": {"image": "proxyv2"},
        "proxy_init": {"image": "proxyv2"}
      },
      "hub": "",
      "image": "pilot"
    }
`,
			out: `apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector}
data:
  values: |-
    {
      "global": {
        "hub": "registry.example.com:5000/mirror/istio",
        "tag": "1.30.3",
        "proxy": {"image": "proxyv2"},
        "proxy_init": {"image": "proxyv2"}
      },
      "hub": "",
      "image": "pilot"
    }
`,
		},
		{
			name: "a registry part shared by two images moves once, under another layout",
			in: `apiVersion: v1
kind: ConfigMap
metadata: {name: blob}
data:
  values.yaml: |
    hub: quay.io/acme
    tag: "1"
    a: {image: one}
    b: {image: two}
`,
			flat: true,
			out: `apiVersion: v1
kind: ConfigMap
metadata: {name: blob}
data:
  values.yaml: |
    hub: registry.example.com:5000/mirror
    tag: "1"
    a: {image: one}
    b: {image: two}
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
			name: "images the operator derives or rewrites move by the ImageConfig's imageRegistry",
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
			out: `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  image_config.yaml: |
    apiVersion: config.k8ssandra.io/v1beta1
    kind: ImageConfig
    images:
      system-logger: "k8ssandra/system-logger:v1.13.1"
    imageRegistry: "registry.example.com:5000/mirror"
---
apiVersion: cassandra.datastax.com/v1beta1
kind: CassandraDatacenter
metadata: {name: dc1}
spec:
  serverType: cassandra
  serverVersion: "4.0.3"
`,
		},
		{
			name: "an ImageConfig whose settings cannot express the mapping is reported, not changed",
			in: `apiVersion: config.k8ssandra.io/v1beta1
kind: ImageConfig
images:
  system-logger: "quay.io/org/team/system-logger:v1.13.1"
imageRegistry: "localhost:5000"
`,
			flat:    true,
			skipped: []string{"applies its ImageConfig imageRegistry"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mapping(t, dest, reference.KeepPath)
			if tt.flat {
				m = mapping(t, dest, reference.Flatten)
			}
			if tt.keepHost {
				m = mapping(t, dest, reference.KeepHost)
			}
			out, changes, err := rewrite.Rewrite([]byte(tt.in), m)
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
			again, _, err := rewrite.Rewrite(out, m)
			if err != nil || string(again) != string(out) {
				t.Errorf("rewriting twice changed the output (%v)", err)
			}
		})
	}
}

// TestRewriteEveryImageMoves rewrites whole renders: every image the
// rewritten stream holds is under the destination but those the operator
// derives or moves itself, every line keeps its bytes but for references,
// and rewriting again changes nothing.
func TestRewriteEveryImageMoves(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		images int // images after the rewrite; 0: not checked
	}{
		{"a chart that hard-codes images, rendered by helm", "testdata/hardcoded.yaml", 4},
		{"kube-prometheus-stack", "../discover/testdata/kube-prometheus-stack-88.5.3.yaml.gz", 0},
		{"k8ssandra: custom resources and an ImageConfig", "../discover/testdata/k8ssandra-1.5.2.yaml.gz", 0},
	}
	m := mapping(t, dest, reference.KeepPath)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := readInput(t, tt.file)
			out, changes, err := rewrite.Rewrite(in, m)
			if err != nil {
				t.Fatal(err)
			}
			left := map[string]bool{}
			moved := 0
			for _, c := range changes {
				switch {
				case c.Skipped == "":
					moved++
				case strings.Contains(c.Skipped, "derived by the operator"), strings.Contains(c.Skipped, "ImageConfig imageRegistry"):
					left[c.From.String()] = true
				default:
					t.Errorf("%s", c)
				}
			}
			if moved == 0 {
				t.Fatal("nothing moved")
			}
			res, err := discover.Scan(out, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, img := range res.Images {
				if !strings.HasPrefix(img.Ref.String(), dest+"/") && !left[img.Ref.String()] {
					t.Errorf("%s not moved (%s)", img.Ref, img.Origins[0])
				}
			}
			if tt.images != 0 && len(res.Images) != tt.images {
				t.Errorf("%d images after the rewrite, want %d", len(res.Images), tt.images)
			}
			inLines, outLines := strings.Split(string(in), "\n"), strings.Split(string(out), "\n")
			if len(outLines) > len(inLines) {
				// Lines added: the ImageConfig's registry settings.
				outLines = slices.DeleteFunc(outLines, func(l string) bool {
					return strings.Contains(l, `egistry: "`+dest+`"`) && !strings.Contains(string(in), strings.TrimSpace(l))
				})
			}
			if len(inLines) != len(outLines) {
				t.Fatalf("%d lines in, %d out", len(inLines), len(outLines))
			}
			for i := range inLines {
				if skeleton(inLines[i]) != skeleton(outLines[i]) {
					t.Errorf("line %d changed beyond its references:\n%s\n%s", i+1, inLines[i], outLines[i])
				}
			}
			again, _, err := rewrite.Rewrite(out, m)
			if err != nil || string(again) != string(out) {
				t.Errorf("rewriting twice changed the output (%v)", err)
			}
		})
	}
}

// skeleton replaces every run of bytes that can make a reference by "x".
func skeleton(line string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		ref := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._-/:@", c) >= 0
		if ref && !in {
			b.WriteByte('x')
		}
		if !ref {
			b.WriteByte(c)
		}
		in = ref
	}
	return b.String()
}

// readInput reads a test input, gunzipped when its name ends in .gz.
func readInput(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(name, ".gz") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if b, err = io.ReadAll(zr); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRewriteChanges: one Change per place, in the order of the stream,
// each on the line of its reference (an image object's first field, a
// derived image's serverVersion).
func TestRewriteChanges(t *testing.T) {
	in := `apiVersion: v1
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
  podTemplateSpec:
    spec:
      containers:
      - name: a
        image: quay.io/z/last:1
      - name: b
        image: docker.io/a/first:1
  medusa:
    containerImage: {registry: docker.io, repository: k8ssandra, name: medusa, tag: 0.22.0}
`
	want := []string{
		`line 9: localhost:5000/k8ssandra/system-logger:v1.13.1 -> registry.example.com:5000/mirror/k8ssandra/system-logger:v1.13.1 at ConfigMap/cfg data["image_config.yaml"].images.system-logger (cass-operator ImageConfig v1beta1: "k8ssandra/system-logger:v1.13.1" with registry/namespace overrides), by ImageConfig imageRegistry: "registry.example.com:5000/mirror"`,
		`line 17: localhost:5000/k8ssandra/cass-management-api:4.0.3 -> registry.example.com:5000/mirror/k8ssandra/cass-management-api:4.0.3 at CassandraDatacenter/dc1 spec.serverVersion (derived by cass-operator for cassandra 4.0.3 from built-in default of ImageConfig v1beta1 ConfigMap/cfg data["image_config.yaml"]), by ImageConfig imageRegistry: "registry.example.com:5000/mirror"; the version mapping keeps working: server images derived from serverVersion follow`,
		`line 22: quay.io/z/last:1 -> registry.example.com:5000/mirror/z/last:1 at CassandraDatacenter/dc1 spec.podTemplateSpec.spec.containers[0].image`,
		`line 24: docker.io/a/first:1 -> registry.example.com:5000/mirror/a/first:1 at CassandraDatacenter/dc1 spec.podTemplateSpec.spec.containers[1].image`,
		`line 26: docker.io/k8ssandra/medusa:0.22.0 -> registry.example.com:5000/mirror/k8ssandra/medusa:0.22.0 at CassandraDatacenter/dc1 spec.medusa.containerImage (image object)`,
	}
	_, changes, err := rewrite.Rewrite([]byte(in), mapping(t, dest, reference.KeepPath))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRewriteSyntaxError(t *testing.T) {
	out, _, err := rewrite.Rewrite([]byte("a: [\n---\nb: 1\n"), mapping(t, dest, reference.KeepPath))
	var se *discover.SyntaxError
	if !errors.As(err, &se) || out != nil {
		t.Fatalf("err = %v, out = %q; want a *discover.SyntaxError and nothing", err, out)
	}
}

// dest is the destination every test maps to.
const dest = "registry.example.com:5000/mirror"

// mapping parses a destination or fails the test.
func mapping(t testing.TB, to string, layout reference.Layout) reference.Mapping {
	t.Helper()
	m, err := reference.ParseDestination(to, layout)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRewriteOperatorDefaults: class 4 in the post-renderer. An image an
// operator pulls by default is written nowhere: the operator's setting that
// replaces it is added to its container, pointing at the mirror, in the
// style of the list it joins; defaults no setting moves are reported.
func TestRewriteOperatorDefaults(t *testing.T) {
	tests := []struct {
		name     string
		in, out  string
		inserted int
		skipped  []string
	}{
		{
			name: "env variables join the operator's env list",
			in: `apiVersion: apps/v1
kind: Deployment
metadata: {name: cnpg}
spec:
  template:
    spec:
      containers:
      - args:
        - controller
        env:
        - name: OPERATOR_IMAGE_NAME
          value: "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0"
        image: "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0"
`,
			out: `apiVersion: apps/v1
kind: Deployment
metadata: {name: cnpg}
spec:
  template:
    spec:
      containers:
      - args:
        - controller
        env:
        - name: PGBOUNCER_IMAGE_NAME
          value: "registry.example.com:5000/mirror/cloudnative-pg/pgbouncer:1.25.1"
        - name: POSTGRES_IMAGE_NAME
          value: "registry.example.com:5000/mirror/cloudnative-pg/postgresql:18.4-system-trixie"
        - name: OPERATOR_IMAGE_NAME
          value: "registry.example.com:5000/mirror/cloudnative-pg/cloudnative-pg:1.30.0"
        image: "registry.example.com:5000/mirror/cloudnative-pg/cloudnative-pg:1.30.0"
`,
			inserted: 4,
		},
		{
			name: "a container without env gets an env list; flow-style items stay flow style",
			in: `apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  containers:
  - name: manager
    image: ghcr.io/cloudnative-pg/cloudnative-pg:1.29.2
    ports: []
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec:
  containers:
  - name: manager
    image: ghcr.io/cloudnative-pg/cloudnative-pg:1.28.4
    env:
      - {name: OPERATOR_IMAGE_NAME, value: "x.io/y/z:1"}
      - {name: PGBOUNCER_IMAGE_NAME, value: "x.io/y/p:1"}
`,
			out: `apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  containers:
  - name: manager
    env:
    - name: OPERATOR_IMAGE_NAME
      value: "registry.example.com:5000/mirror/cloudnative-pg/cloudnative-pg:1.29.2"
    - name: PGBOUNCER_IMAGE_NAME
      value: "registry.example.com:5000/mirror/cloudnative-pg/pgbouncer:1.25.1"
    - name: POSTGRES_IMAGE_NAME
      value: "registry.example.com:5000/mirror/cloudnative-pg/postgresql:18.4-system-trixie"
    image: registry.example.com:5000/mirror/cloudnative-pg/cloudnative-pg:1.29.2
    ports: []
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec:
  containers:
  - name: manager
    image: registry.example.com:5000/mirror/cloudnative-pg/cloudnative-pg:1.28.4
    env:
      - {name: POSTGRES_IMAGE_NAME, value: "registry.example.com:5000/mirror/cloudnative-pg/postgresql:18.4-system-trixie"}
      - {name: OPERATOR_IMAGE_NAME, value: "registry.example.com:5000/mirror/y/z:1"}
      - {name: PGBOUNCER_IMAGE_NAME, value: "registry.example.com:5000/mirror/y/p:1"}
`,
			inserted: 8,
		},
		{
			name: "flags join the operator's args; a default no setting moves is reported",
			in: `apiVersion: apps/v1
kind: Deployment
metadata: {name: ops}
spec:
  template:
    spec:
      containers:
      - name: otel
        image: ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:0.158.0
        args:
          - --collector-image=quay.io/x/collector:1
          - --enable-java-instrumentation=false
          - --enable-nodejs-instrumentation=false
          - --enable-python-instrumentation=false
          - --enable-dotnet-instrumentation=false
          - --enable-apache-httpd-instrumentation=false
          - --target-allocator-image=quay.io/x/ta:1
      - name: grafana
        image: ghcr.io/grafana/grafana-operator:v5.24.0
`,
			out: `apiVersion: apps/v1
kind: Deployment
metadata: {name: ops}
spec:
  template:
    spec:
      containers:
      - name: otel
        image: registry.example.com:5000/mirror/open-telemetry/opentelemetry-operator/opentelemetry-operator:0.158.0
        args:
          - --operator-opamp-bridge-image=registry.example.com:5000/mirror/open-telemetry/opentelemetry-operator/operator-opamp-bridge:0.158.0
          - --collector-image=registry.example.com:5000/mirror/x/collector:1
          - --enable-java-instrumentation=false
          - --enable-nodejs-instrumentation=false
          - --enable-python-instrumentation=false
          - --enable-dotnet-instrumentation=false
          - --enable-apache-httpd-instrumentation=false
          - --target-allocator-image=registry.example.com:5000/mirror/x/ta:1
      - name: grafana
        image: registry.example.com:5000/mirror/grafana/grafana-operator:v5.24.0
`,
			inserted: 1,
			skipped:  []string{"set spec.version of each Grafana"},
		},
	}
	m := mapping(t, dest, reference.KeepPath)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changes, err := rewrite.Rewrite([]byte(tt.in), m)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.out {
				t.Errorf("got\n%s\nwant\n%s", out, tt.out)
			}
			inserted := 0
			var skipped []string
			for _, c := range changes {
				inserted += c.Inserted
				if c.Skipped != "" {
					skipped = append(skipped, c.Skipped)
				}
			}
			if inserted != tt.inserted || strings.Count(string(out), "\n") != strings.Count(tt.in, "\n")+inserted {
				t.Errorf("inserted %d lines, want %d", inserted, tt.inserted)
			}
			if len(skipped) != len(tt.skipped) {
				t.Fatalf("skipped %q, want %q", skipped, tt.skipped)
			}
			for i, s := range tt.skipped {
				if !strings.Contains(skipped[i], s) {
					t.Errorf("skipped %q, want %q", skipped[i], s)
				}
			}
			again, changes, err := rewrite.Rewrite(out, m)
			if err != nil || string(again) != string(out) {
				t.Errorf("rewriting twice changed the output (%v):\n%s", err, again)
			}
			for _, c := range changes {
				if c.Skipped == "" {
					t.Errorf("second rewrite changed %s", c)
				}
			}
		})
	}
}
