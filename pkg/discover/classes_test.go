package discover

import (
	"slices"
	"strings"
	"testing"
)

// classCase is one input of the scanner's table tests (TestScan and the
// classes of images operators pull later): what must be found, where, and
// that nothing else is.
type classCase struct {
	name     string
	in       string
	images   []string          // normalised, sorted: exactly these
	origins  map[string]string // image -> one expected "Kind/name path"
	via      map[string]string // image -> substring of an origin's Via
	warnings []string          // substrings, one per warning, in order
}

func runClassCases(t *testing.T, tests []classCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Scan([]byte(tt.in), "test.yaml")
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			if got := res.Refs(); !slices.Equal(got, tt.images) {
				t.Errorf("images:\n got %q\nwant %q", got, tt.images)
			}
			for ref, want := range tt.origins {
				img, ok := res.Find(ref)
				if !ok {
					t.Errorf("%s not found", ref)
					continue
				}
				var keys []string
				for _, o := range img.Origins {
					keys = append(keys, originKey(o))
				}
				if !slices.Contains(keys, want) {
					t.Errorf("%s origins = %q, want one %q", ref, keys, want)
				}
			}
			for ref, want := range tt.via {
				img, _ := res.Find(ref)
				if !slices.ContainsFunc(img.Origins, func(o Origin) bool { return strings.Contains(o.Via, want) }) {
					t.Errorf("%s origins %+v: no via containing %q", ref, img.Origins, want)
				}
			}
			if len(res.Warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %q, want %d", res.Warnings, len(tt.warnings))
			}
			for i, w := range res.Warnings {
				if s := w.String(); !strings.Contains(s, tt.warnings[i]) || strings.Contains(s, "\n") {
					t.Errorf("warning %d = %q, want it to contain %q on one line", i, s, tt.warnings[i])
				}
			}
		})
	}
}

// TestVersionMaps: class 1. An env value or a ConfigMap entry that maps
// product versions to images, as KEY=IMAGE lines or as a YAML or JSON map:
// every image is found, with the key in its origin.
func TestVersionMaps(t *testing.T) {
	t.Parallel()
	runClassCases(t, []classCase{
		{
			name: "Strimzi's KEY=IMAGE lines in env values",
			in: `
apiVersion: apps/v1
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
        - name: PRODUCT_IMAGES
          value: "3.7.0=quay.io/org/product:0.41.0-3.7.0"
`,
			images: []string{"quay.io/org/product:0.41.0-3.7.0", "quay.io/strimzi/kafka:1.2.0-kafka-4.2.0",
				"quay.io/strimzi/kafka:1.2.0-kafka-4.3.1", "quay.io/strimzi/operator:1.2.0"},
			origins: map[string]string{
				"quay.io/strimzi/kafka:1.2.0-kafka-4.3.1": "Deployment/strimzi-cluster-operator spec.template.spec.containers[0].env[0].value{4.3.1}",
				"quay.io/org/product:0.41.0-3.7.0":        "Deployment/strimzi-cluster-operator spec.template.spec.containers[0].env[1].value{3.7.0}",
			},
			via: map[string]string{"quay.io/strimzi/kafka:1.2.0-kafka-4.2.0": "env STRIMZI_KAFKA_IMAGES, entry 4.2.0"},
		},
		{
			name: "a JSON map in an env value and a YAML map in a ConfigMap, with and without a registry host",
			in: `
apiVersion: v1
kind: Pod
metadata: {name: op}
spec:
  containers:
  - name: op
    image: op:1
    env:
    - {name: VERSIONS, value: '{"3.7.0": "confluentinc/cp-kafka:7.7.0", "3.8.0": "confluentinc/cp-kafka:7.8.0"}'}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: versions}
data:
  images.yaml: |
    "3.7.0": quay.io/org/product:0.41.0-3.7.0
    "3.8.0": quay.io/org/product:0.42.0-3.8.0
  kafka.properties: |
    # kafka version -> image
    3.7.0=registry.example.com:5000/kafka:3.7.0
`,
			images: []string{"docker.io/confluentinc/cp-kafka:7.7.0", "docker.io/confluentinc/cp-kafka:7.8.0",
				"docker.io/library/op:1", "quay.io/org/product:0.41.0-3.7.0", "quay.io/org/product:0.42.0-3.8.0",
				"registry.example.com:5000/kafka:3.7.0"},
			origins: map[string]string{
				"docker.io/confluentinc/cp-kafka:7.8.0": `Pod/op spec.containers[0].env[0].value["3.8.0"]`,
				"quay.io/org/product:0.42.0-3.8.0":      `ConfigMap/versions data["images.yaml"]["3.8.0"]`,
				"registry.example.com:5000/kafka:3.7.0": `ConfigMap/versions data["kafka.properties"]{3.7.0}`,
			},
		},
		{
			name: "an entry that does not parse is a warning, not a silent miss",
			in: `
apiVersion: v1
kind: Pod
metadata: {name: op}
spec:
  containers:
  - name: op
    image: op:1
    env:
    - name: KAFKA_IMAGES
      value: |
        4.2.0=quay.io/Strimzi/kafka:4.2.0
        4.3.0=quay.io/strimzi/kafka:4.3.0
`,
			images:   []string{"docker.io/library/op:1", "quay.io/strimzi/kafka:4.3.0"},
			warnings: []string{`env[0].value{4.2.0} (env KAFKA_IMAGES, entry 4.2.0): invalid image reference "quay.io/Strimzi/kafka:4.2.0"`},
		},
		{
			name: "settings that are not images stay silent",
			in: `
apiVersion: v1
kind: Pod
metadata: {name: op}
spec:
  containers:
  - name: op
    image: op:1
    env:
    - name: OPTIONS
      value: |
        log.dirs=/var/lib/kafka
        listeners=PLAINTEXT://localhost:9092
        broker=localhost:9092
        version=4.2.0
`,
			images: []string{"docker.io/library/op:1"},
		},
	})
}

// TestComposedReferences: class 2. A values blob (the chart's values
// copied into a ConfigMap for a sidecar injector) holds the parts of an
// image at different levels: the image is composed where the convention is
// evident, and a bare name is never reported as docker.io/library/NAME.
func TestComposedReferences(t *testing.T) {
	t.Parallel()
	runClassCases(t, []classCase{
		{
			name: "Istio's global.hub + global.proxy.image + global.tag, and a top-level image falling back to global",
			in: `
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector}
data:
  values: |-
    {
      "global": {
        "hub": "docker.io/istio",
        "tag": "1.30.3",
        "variant": "",
        "proxy": {"image": "proxyv2", "imagePullPolicy": ""},
        "proxy_init": {"image": "proxyv2"}
      },
      "hub": "",
      "tag": "",
      "image": "pilot"
    }
`,
			images: []string{"docker.io/istio/pilot:1.30.3", "docker.io/istio/proxyv2:1.30.3"},
			origins: map[string]string{
				"docker.io/istio/proxyv2:1.30.3": "ConfigMap/istio-sidecar-injector data.values.global.proxy.image",
				"docker.io/istio/pilot:1.30.3":   "ConfigMap/istio-sidecar-injector data.values.image",
			},
			via: map[string]string{"docker.io/istio/proxyv2:1.30.3": "composed: global.hub + global.proxy.image + tag 1.30.3"},
		},
		{
			name: "a registry and tag at the image's own level, with a variant",
			in: `
apiVersion: v1
kind: ConfigMap
metadata: {name: injector}
data:
  config.yaml: |
    sidecar:
      registry: quay.io/acme
      image: agent
      tag: "2.1"
      variant: distroless
`,
			images: []string{"quay.io/acme/agent:2.1-distroless"},
		},
		{
			name: "a bare name without registry and tag is not an image; a container's bare image still is",
			in: `
apiVersion: v1
kind: ConfigMap
metadata: {name: values}
data:
  values.yaml: |
    proxy:
      image: proxyv2
    podTemplate:
      spec:
        containers:
        - name: c
          image: busybox
`,
			images: []string{"docker.io/library/busybox:latest"},
		},
		{
			name: "cass-operator v1beta2 style objects {registry, repository, name, tag} in a blob",
			in: `
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  config.yaml: |
    images:
      reaper: {registry: docker.io, repository: thelastpickle, name: cassandra-reaper, tag: "4.0.1"}
`,
			images: []string{"docker.io/thelastpickle/cassandra-reaper:4.0.1"},
		},
	})
}

// TestTemplateText: class 3. ConfigMap or Secret data that is a template,
// a script or a config file: image lines and reference-shaped values whose
// text is a literal image are found line by line; template actions,
// schemas, docs and PromQL stay silent.
func TestTemplateText(t *testing.T) {
	t.Parallel()
	runClassCases(t, []classCase{
		{
			name: "an injection template inside a YAML config, a TOML file, a shell script and a Secret",
			in: `
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector}
data:
  config: |-
    policy: enabled
    templates:
      sidecar: |
        spec:
          containers:
          - name: istio-proxy
            image: "{{ annotation .ObjectMeta ` + "`sidecar.istio.io/proxyImage`" + ` .Values.global.proxy.image }}"
      grpc-simple: |
        spec:
          initContainers:
            - name: grpc-bootstrap-init
              image: busybox:1.28
  agent.toml: |
    [agent]
    image = "quay.io/acme/agent:1.2"
    log_level = "info"
  run.sh: |
    #!/bin/sh
    # image: commented/out:1
    export HELPER_IMAGE=ghcr.io/acme/helper:3
    exec /manager --sidecar-image=ghcr.io/acme/sidecar:4 --port=8080
---
apiVersion: v1
kind: Secret
metadata: {name: s}
stringData:
  job.tpl: |
    {{- if .Values.enabled }}
    image: registry.example.com/jobs/runner:7
    {{- end }}
`,
			images: []string{"docker.io/library/busybox:1.28", "ghcr.io/acme/helper:3", "ghcr.io/acme/sidecar:4",
				"quay.io/acme/agent:1.2", "registry.example.com/jobs/runner:7"},
			origins: map[string]string{
				"docker.io/library/busybox:1.28":     "ConfigMap/istio-sidecar-injector data.config.templates.grpc-simple{image}",
				"quay.io/acme/agent:1.2":             `ConfigMap/istio-sidecar-injector data["agent.toml"]{image}`,
				"ghcr.io/acme/sidecar:4":             `ConfigMap/istio-sidecar-injector data["run.sh"]{--sidecar-image}`,
				"registry.example.com/jobs/runner:7": `Secret/s stringData["job.tpl"]{image}`,
			},
			via: map[string]string{"ghcr.io/acme/helper:3": "line 3"},
		},
		{
			name: "Secret data, once decoded from base64: a config file and a YAML document; binary data is left alone",
			in: `
apiVersion: v1
kind: Secret
metadata: {name: agent}
data:
  agent.toml: W2FnZW50XQppbWFnZSA9ICJxdWF5LmlvL2FjbWUvYWdlbnQ6MS4yIgo=
  values.yaml: "c2lkZWNhcjoKICBpbWFnZTogZ2hjci5pby9hY21lL3NpZGVjYXI6NAo="
  keystore: AAECYmluYXJ5
`,
			images: []string{"ghcr.io/acme/sidecar:4", "quay.io/acme/agent:1.2"},
			origins: map[string]string{
				"quay.io/acme/agent:1.2": `Secret/agent data["agent.toml"]{image}`,
				"ghcr.io/acme/sidecar:4": `Secret/agent data["values.yaml"].sidecar.image`,
			},
		},
		{
			name: "schemas, docs and PromQL stay silent",
			in: `
apiVersion: v1
kind: ConfigMap
metadata: {name: docs}
data:
  README.md: |
    # Images
    Set image: to the image to run, for example the registry of your choice.
    image: <your image>
  rules.yaml: |
    groups:
    - rules:
      - expr: count(kube_pod_container_info{image!=""}) by (image)
  schema.json: |
    {"properties": {"image": {"type": "string", "description": "image: the image"}}}
  settings.ini: |
    [server]
    url = https://quay.io/org/app:1
    path = /var/lib/app:1
`,
		},
	})
}

// TestVersionOfEntries: an image chosen by a version carries the version
// in Origin.Version, however the map is written; other images carry none.
func TestVersionOfEntries(t *testing.T) {
	t.Parallel()
	in := `apiVersion: apps/v1
kind: Deployment
metadata: {name: op}
spec:
  template:
    spec:
      containers:
      - name: op
        image: quay.io/org/operator:1.0
        env:
        - name: KAFKA_IMAGES
          value: |
            4.2.0=quay.io/org/kafka:1.0-kafka-4.2.0
            4.3.0=quay.io/org/kafka:1.0-kafka-4.3.0
---
apiVersion: v1
kind: ConfigMap
metadata: {name: versions}
data:
  images.yaml: |
    versions:
      "3.7": example.com/org/product:3.7.1
      "3.8": example.com/org/product:3.8.0
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cass-operator-config}
data:
  image_config.yaml: |
    apiVersion: config.k8ssandra.io/v1beta1
    kind: ImageConfig
    images:
      system-logger: "cr.k8ssandra.io/k8ssandra/system-logger:v1.28.0"
      cassandra:
        "4.1.8": "cr.k8ssandra.io/k8ssandra/cass-management-api:4.1.8"
`
	res, err := Scan([]byte(in), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"quay.io/org/operator:1.0":                            "",
		"quay.io/org/kafka:1.0-kafka-4.2.0":                   "4.2.0",
		"quay.io/org/kafka:1.0-kafka-4.3.0":                   "4.3.0",
		"example.com/org/product:3.7.1":                       "3.7",
		"example.com/org/product:3.8.0":                       "3.8",
		"cr.k8ssandra.io/k8ssandra/system-logger:v1.28.0":     "",
		"cr.k8ssandra.io/k8ssandra/cass-management-api:4.1.8": "4.1.8",
	}
	for ref, version := range want {
		img, ok := res.Find(ref)
		if !ok {
			t.Errorf("%s not found", ref)
			continue
		}
		if got := img.Origins[0].Version; got != version {
			t.Errorf("%s: Version %q, want %q", ref, got, version)
		}
	}
}
