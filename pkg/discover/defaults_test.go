package discover

import (
	"slices"
	"strings"
	"testing"
)

// cnpg is a CloudNativePG operator Deployment; extra is added to its
// container.
func cnpg(extra string) string {
	return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: cnpg}
spec:
  template:
    spec:
      containers:
      - name: manager
        image: ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0
        args: [controller, --config-map-name=cnpg-config]
        env:
        - {name: OPERATOR_IMAGE_NAME, value: "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0"}
` + extra
}

// rookOperator is Rook's operator Deployment with the CSI images in its
// ConfigMap, as the rook-ceph chart writes them.
const rookOperator = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: rook-ceph-operator}
spec:
  template:
    spec:
      containers:
      - {name: rook-ceph-operator, image: "docker.io/rook/ceph:v1.19.10"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: rook-ceph-operator-config}
data:
  ROOK_CSI_CEPH_IMAGE: "quay.io/cephcsi/cephcsi:v3.16.2"
  ROOK_CSI_REGISTRAR_IMAGE: "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.16.0"
  ROOK_CSI_PROVISIONER_IMAGE: "registry.k8s.io/sig-storage/csi-provisioner:v6.1.1"
  ROOK_CSI_ATTACHER_IMAGE: "registry.k8s.io/sig-storage/csi-attacher:v4.11.0"
  ROOK_CSI_SNAPSHOTTER_IMAGE: "registry.k8s.io/sig-storage/csi-snapshotter:v8.5.0"
  ROOK_CSI_RESIZER_IMAGE: "registry.k8s.io/sig-storage/csi-resizer:v2.1.0"
  ROOK_CSIADDONS_IMAGE: "quay.io/csiaddons/k8s-sidecar:v0.14.0"
`

// TestOperatorDefaults: class 4. Images an operator pulls by default,
// compiled into its binary, come from the catalog with the operator's
// container as origin and the source cited; the operator's settings and
// the resources of the input decide which are used.
func TestOperatorDefaults(t *testing.T) {
	t.Parallel()
	const (
		postgres  = "ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie"
		pgbouncer = "ghcr.io/cloudnative-pg/pgbouncer:1.25.1"
		operator  = "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0"
	)
	tests := []struct {
		name     string
		in       string
		opts     []Option
		defaults []string // images with an operator default origin, sorted
		images   []string // all images, sorted; nil: not checked
		notes    []string // substrings
	}{
		{
			name:     "an operator alone: the defaults of the resources you create later",
			in:       cnpg(""),
			defaults: []string{pgbouncer, postgres},
			images:   []string{operator, pgbouncer, postgres},
		},
		{
			name: "settings replace defaults: env, and a key of the operator's ConfigMap",
			in: cnpg(`        - {name: PGBOUNCER_IMAGE_NAME, value: "registry.example.com/pgbouncer:1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cnpg-config}
data: {POSTGRES_IMAGE_NAME: "registry.example.com/postgresql:18"}
`),
			images: []string{operator, "registry.example.com/pgbouncer:1", "registry.example.com/postgresql:18"},
		},
		{
			name: "a resource of the kind that lacks the field gets the default; one that sets it does not",
			in: cnpg(`---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: a}
spec: {instances: 1}
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: b}
spec: {imageName: "ghcr.io/cloudnative-pg/postgresql:17.5"}
`),
			defaults: []string{postgres},
		},
		{
			name: "an installation that creates the operator's resources names its images",
			in: cnpg(`---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: b}
spec: {imageName: "ghcr.io/cloudnative-pg/postgresql:17.5"}
`),
		},
		{
			name: "switches: Go instrumentation only when enabled, Java until disabled",
			in: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: otel}
spec:
  template:
    spec:
      containers:
      - name: manager
        image: ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:0.158.0
        args:
        - --collector-image=ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.158.0
        - --enable-go-instrumentation
        - --enable-java-instrumentation=false
        - --target-allocator-image=quay.io/mirror/target-allocator:0.158.0
        env:
        - {name: RELATED_IMAGE_AUTO_INSTRUMENTATION_NODEJS, value: "quay.io/mirror/nodejs:0.78.0"}
`,
			defaults: []string{
				"ghcr.io/open-telemetry/opentelemetry-go-instrumentation/autoinstrumentation-go:v0.24.0",
				"ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-apache-httpd:1.0.4",
				"ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-dotnet:1.16.0",
				"ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-python:0.64b0",
				"ghcr.io/open-telemetry/opentelemetry-operator/operator-opamp-bridge:0.158.0",
			},
		},
		{
			name: "a base-image flag keeps the compiled-in tag; a tag written into it replaces the default",
			in: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: prometheus-operator}
spec:
  template:
    spec:
      containers:
      - name: op
        image: quay.io/prometheus-operator/prometheus-operator:v0.52.0
        args:
        - --prometheus-default-base-image=registry.example.com/prometheus
        - --alertmanager-default-base-image=registry.example.com/alertmanager:v0.23.0
`,
			defaults: []string{"quay.io/prometheus-operator/prometheus-config-reloader:v0.52.0", "quay.io/thanos/thanos:v0.23.1", "registry.example.com/prometheus:v2.31.0"},
		},
		{
			name: "a setting honoured only as a digest does not replace the default otherwise",
			in: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: grafana-operator}
spec:
  template:
    spec:
      containers:
      - name: op
        image: ghcr.io/grafana/grafana-operator:v5.24.0
        env: [{name: RELATED_IMAGE_GRAFANA, value: "docker.io/grafana/grafana:13.0.1"}]
`,
			defaults: []string{"docker.io/grafana/grafana:13.0.1"},
		},
		{
			name:     "rook: the CSI images its ConfigMap sets replace the defaults; the gateway and COSI defaults stay",
			in:       rookOperator,
			defaults: []string{"quay.io/ceph/cosi:v0.1.4", "quay.io/ceph/nvmeof:1.5"},
		},
		{
			name: "rook: an installation that creates a gateway without spec.image gets that default only",
			in: rookOperator + `---
apiVersion: ceph.rook.io/v1
kind: CephNVMeOFGateway
metadata: {name: gw}
spec: {instances: 1}
`,
			defaults: []string{"quay.io/ceph/nvmeof:1.5"},
		},
		{
			name:  "a version the catalog does not cover is a note, not a guess",
			in:    `{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: "ghcr.io/cloudnative-pg/cloudnative-pg:1.20.0"}]}}`,
			notes: []string{"cloudnative-pg 1.20.0 is not in the operator catalog"},
		},
		{
			name: "without a catalog, no defaults",
			in:   cnpg(""),
			opts: []Option{WithCatalog(nil)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewScanner(tt.opts...)
			if err := s.Add([]byte(tt.in), "test.yaml"); err != nil {
				t.Fatal(err)
			}
			res := s.Result()
			var defaults []string
			for _, img := range res.Images {
				for _, o := range img.Origins {
					if o.Form != OperatorDefault {
						continue
					}
					defaults = append(defaults, img.Ref.String())
					if !strings.Contains(o.Via, "operator default of ") || !strings.Contains(o.Via, "https://github.com/") || o.Path == "" || o.At.IsZero() {
						t.Errorf("%s: origin %+v does not cite its source or place", img.Ref, o)
					}
				}
			}
			if !slices.Equal(defaults, tt.defaults) {
				t.Errorf("defaults:\n got %q\nwant %q", defaults, tt.defaults)
			}
			if tt.images != nil && !slices.Equal(res.Refs(), tt.images) {
				t.Errorf("images:\n got %q\nwant %q", res.Refs(), tt.images)
			}
			if len(res.Notes) != len(tt.notes) || len(res.Warnings) != 0 {
				t.Fatalf("notes %q, warnings %q; want %q and none", res.Notes, res.Warnings, tt.notes)
			}
			for i, n := range tt.notes {
				if !strings.Contains(res.Notes[i].String(), n) {
					t.Errorf("note %q, want %q", res.Notes[i], n)
				}
			}
		})
	}
}
