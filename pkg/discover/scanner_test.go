package discover

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// origin is a compact expectation: "Kind/name path" of one origin.
func originKey(o Origin) string { return o.Object() + " " + o.Path }

func TestScan(t *testing.T) {
	t.Parallel()
	runClassCases(t, []classCase{
		{
			name: "deployment containers, init and ephemeral containers",
			in: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: busybox:1.36
      containers:
      - name: app
        image: "quay.io/org/app:v1"
        imagePullPolicy: IfNotPresent
      ephemeralContainers:
      - name: debug
        image: docker.io/library/alpine:3
`,
			images: []string{"docker.io/library/alpine:3", "docker.io/library/busybox:1.36", "quay.io/org/app:v1"},
			origins: map[string]string{
				"docker.io/library/busybox:1.36": "Deployment prod/web spec.template.spec.initContainers[0].image",
				"docker.io/library/alpine:3":     "Deployment prod/web spec.template.spec.ephemeralContainers[0].image",
			},
		},
		{
			name: "cronjob and pod",
			in: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: b, image: "registry.example.com:5443/tools/backup:2.0"}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: "localhost:5000/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}]
`,
			images: []string{
				"localhost:5000/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				"registry.example.com:5443/tools/backup:2.0",
			},
			origins: map[string]string{
				"registry.example.com:5443/tools/backup:2.0": "CronJob/backup spec.jobTemplate.spec.template.spec.containers[0].image",
			},
		},
		{
			name: "env images in parts: repository and version, registry, name and version",
			in: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: op}
spec:
  template:
    spec:
      containers:
      - name: op
        image: quay.io/mongodb/mongodb-kubernetes:1.9.1
        env:
        - {name: MONGODB_ENTERPRISE_DATABASE_IMAGE, value: quay.io/mongodb/mongodb-kubernetes-database}
        - {name: INIT_DATABASE_IMAGE_REPOSITORY, value: quay.io/mongodb/mongodb-kubernetes-init-database}
        - {name: INIT_DATABASE_VERSION, value: "1.9.0"}
        - {name: DATABASE_VERSION, value: "1.9.1"}
        - {name: MDB_SEARCH_REPO_URL, value: quay.io/mongodb}
        - {name: MDB_SEARCH_NAME, value: mongodb-search}
        - {name: MDB_SEARCH_VERSION, value: "1.70.1"}
        - {name: WORKER_IMAGE, value: registry.example.com/team/worker}
        - {name: WORKER_IMAGE_TAG, value: "2.0"}
        - {name: PLAIN_IMAGE, value: registry.example.com/team/plain}
        - {name: OPERATOR_NAME, value: mongodb-kubernetes-operator}
        - {name: RELATED_IMAGE_AGENT_1_0, value: quay.io/mongodb/mongodb-agent}
`,
			images: []string{
				"quay.io/mongodb/mongodb-agent:latest", // RELATED_IMAGE_*: whole references, never joined
				"quay.io/mongodb/mongodb-kubernetes-database:1.9.1",
				"quay.io/mongodb/mongodb-kubernetes-init-database:1.9.0",
				"quay.io/mongodb/mongodb-kubernetes:1.9.1",
				"quay.io/mongodb/mongodb-search:1.70.1",
				"registry.example.com/team/plain:latest",
				"registry.example.com/team/worker:2.0",
			},
			origins: map[string]string{
				"quay.io/mongodb/mongodb-kubernetes-database:1.9.1":      "Deployment/op spec.template.spec.containers[0].env[0].value",
				"quay.io/mongodb/mongodb-kubernetes-init-database:1.9.0": "Deployment/op spec.template.spec.containers[0].env[1].value",
				"quay.io/mongodb/mongodb-search:1.70.1":                  "Deployment/op spec.template.spec.containers[0].env[5].value",
			},
			via: map[string]string{
				"quay.io/mongodb/mongodb-kubernetes-database:1.9.1":      "composed: env MONGODB_ENTERPRISE_DATABASE_IMAGE + env DATABASE_VERSION",
				"quay.io/mongodb/mongodb-kubernetes-init-database:1.9.0": "composed: env INIT_DATABASE_IMAGE_REPOSITORY + env INIT_DATABASE_VERSION",
				"quay.io/mongodb/mongodb-search:1.70.1":                  "composed: env MDB_SEARCH_REPO_URL + env MDB_SEARCH_NAME + env MDB_SEARCH_VERSION",
				"registry.example.com/team/worker:2.0":                   "composed: env WORKER_IMAGE + env WORKER_IMAGE_TAG",
			},
		},
		{
			name: "env images an operator completes with a version it chooses: warned, not listed",
			in: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: op}
spec:
  template:
    spec:
      containers:
      - name: op
        image: quay.io/mongodb/mongodb-kubernetes:1.9.1
        env:
        - {name: OPS_MANAGER_IMAGE_REPOSITORY, value: quay.io/mongodb/mongodb-enterprise-ops-manager-ubi}
        - {name: MONGODB_IMAGE, value: mongodb-enterprise-server}
        - {name: MONGODB_REPO_URL, value: quay.io/mongodb}
        - {name: INIT_OPS_MANAGER_VERSION, value: "1.9.1"}
`,
			images: []string{"quay.io/mongodb/mongodb-kubernetes:1.9.1"},
			warnings: []string{
				"(env OPS_MANAGER_IMAGE_REPOSITORY): a repository the operator completes with a version it chooses",
				"(env MONGODB_IMAGE): the operator completes it with MONGODB_REPO_URL (quay.io/mongodb) and a version it chooses",
			},
		},
		{
			name: "custom resource with snake-case image fields (Zalando OperatorConfiguration)",
			in: `
apiVersion: acid.zalan.do/v1
kind: OperatorConfiguration
metadata: {name: postgres-operator}
configuration:
  docker_image: ghcr.io/zalando/spilo-18:4.1-p2
  enable_lazy_spilo_upgrade: false
  logical_backup:
    logical_backup_docker_image: ghcr.io/zalando/postgres-operator/logical-backup:v2.0.1
  connection_pooler:
    connection_pooler_image: ghcr.io/zalando/postgres-operator/pgbouncer:v2.0.1
  logging_rest_api:
    scalyr_image: ""
  sidecar-image: registry.example.com/tools/sidecar:1
  pull_image: true
`,
			images: []string{
				"ghcr.io/zalando/postgres-operator/logical-backup:v2.0.1",
				"ghcr.io/zalando/postgres-operator/pgbouncer:v2.0.1",
				"ghcr.io/zalando/spilo-18:4.1-p2",
				"registry.example.com/tools/sidecar:1",
			},
			origins: map[string]string{
				"ghcr.io/zalando/spilo-18:4.1-p2":                         "OperatorConfiguration/postgres-operator configuration.docker_image",
				"ghcr.io/zalando/postgres-operator/logical-backup:v2.0.1": "OperatorConfiguration/postgres-operator configuration.logical_backup.logical_backup_docker_image",
			},
		},
		{
			name: "custom resource with a pod template and image fields",
			in: `
apiVersion: cassandra.datastax.com/v1beta1
kind: CassandraDatacenter
metadata: {name: dc1}
spec:
  serverImage: k8ssandra/cass-management-api:4.0.3-v0.1.37
  configBuilderImage: docker.io/datastax/cass-config-builder:1.0.4
  systemLoggerImage: docker.io/k8ssandra/system-logger:6c64f9c4
  podTemplateSpec:
    spec:
      initContainers:
      - name: jmx
        image: docker.io/busybox:1.35.0
`,
			images: []string{
				"docker.io/datastax/cass-config-builder:1.0.4",
				"docker.io/k8ssandra/cass-management-api:4.0.3-v0.1.37",
				"docker.io/k8ssandra/system-logger:6c64f9c4",
				"docker.io/library/busybox:1.35.0",
			},
			origins: map[string]string{
				"docker.io/k8ssandra/cass-management-api:4.0.3-v0.1.37": "CassandraDatacenter/dc1 spec.serverImage",
				"docker.io/library/busybox:1.35.0":                      "CassandraDatacenter/dc1 spec.podTemplateSpec.spec.initContainers[0].image",
			},
		},
		{
			name: "image objects in a K8ssandraCluster at cluster and datacenter level",
			in: `
apiVersion: k8ssandra.io/v1alpha1
kind: K8ssandraCluster
metadata: {name: demo}
spec:
  cassandra:
    serverImage: datastax/hcd:1.0.0
    jmxInitContainerImage: {registry: docker.io, repository: library, name: busybox, tag: 1.34.1}
    datacenters:
    - metadata: {name: dc1}
      jmxInitContainerImage: {registry: quay.io, repository: mirror, name: busybox, tag: 1.36.0}
  medusa:
    containerImage: {repository: k8ssandra, name: medusa, tag: 0.22.0}
  reaper:
    containerImage: {registry: ghcr.io, repository: thelastpickle, name: cassandra-reaper, tag: 3.5.0, digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
`,
			images: []string{
				"docker.io/datastax/hcd:1.0.0",
				"docker.io/k8ssandra/medusa:0.22.0",
				"docker.io/library/busybox:1.34.1",
				"ghcr.io/thelastpickle/cassandra-reaper:3.5.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				"quay.io/mirror/busybox:1.36.0",
			},
			origins: map[string]string{
				"quay.io/mirror/busybox:1.36.0":     "K8ssandraCluster/demo spec.cassandra.datacenters[0].jmxInitContainerImage",
				"docker.io/k8ssandra/medusa:0.22.0": "K8ssandraCluster/demo spec.medusa.containerImage",
			},
		},
		{
			name: "incomplete operator image objects are warnings",
			in: `
apiVersion: k8ssandra.io/v1alpha1
kind: K8ssandraCluster
metadata: {name: demo}
spec:
  cassandra:
    serverImage: datastax/hcd:1.0.0
    jmxInitContainerImage: {repository: library, name: busybox}
  medusa:
    containerImage: {registry: docker.io, repository: k8ssandra}
`,
			images:   []string{"docker.io/datastax/hcd:1.0.0", "docker.io/library/busybox:latest"},
			warnings: []string{"jmxInitContainerImage: image object has no tag", "containerImage: image object has no name"},
		},
		{
			name: "helm-style image objects with sha and image keys, and image volumes",
			in: `
apiVersion: example.com/v1
kind: Thing
metadata: {name: t}
spec:
  a: {image: {registry: registry.k8s.io, image: ingress-nginx/controller, tag: v1.15.1, digest: "sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1"}}
  b: {image: {registry: quay.io, repository: prometheus/prometheus, tag: v3.0.0, sha: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef}}
  volumes:
  - name: data
    image: {reference: "quay.io/data/set:1", pullPolicy: IfNotPresent}
`,
			images: []string{
				"quay.io/data/set:1",
				"quay.io/prometheus/prometheus:v3.0.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				"registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1",
			},
			via: map[string]string{"quay.io/data/set:1": ""},
		},
		{
			name: "container args and command",
			in: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: operator}
spec:
  template:
    spec:
      containers:
      - name: op
        image: quay.io/prometheus-operator/prometheus-operator:v0.52.0
        args:
        - --prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:v0.52.0
        - --thanos-default-base-image=quay.io/thanos/thanos:v0.17.2
        - --alertmanager-default-base-image
        - quay.io/prometheus/alertmanager:v0.21.0
        - --web.listen-address=:8080
        - --kubelet-service=kube-system/kubelet
        - --log-level=info
        - --config.file=/etc/config.yaml
        - --external-url=http://example.com/a:b
        - --mirror=Quay.io/Org/Mirror:1
        command: ["sh", "-c", "exec run --sidecar-image=ghcr.io/x/sidecar:1 --address=localhost:8080"]
`,
			images: []string{
				"ghcr.io/x/sidecar:1",
				"quay.io/prometheus-operator/prometheus-config-reloader:v0.52.0",
				"quay.io/prometheus-operator/prometheus-operator:v0.52.0",
				"quay.io/prometheus/alertmanager:v0.21.0",
				// prometheus-operator's compiled-in default for a
				// Prometheus without spec.image (the catalog).
				"quay.io/prometheus/prometheus:v2.31.0",
				"quay.io/thanos/thanos:v0.17.2",
			},
			origins: map[string]string{
				"quay.io/prometheus/prometheus:v2.31.0":   "Deployment/operator spec.template.spec.containers[0]",
				"quay.io/thanos/thanos:v0.17.2":           "Deployment/operator spec.template.spec.containers[0].args[1]",
				"quay.io/prometheus/alertmanager:v0.21.0": "Deployment/operator spec.template.spec.containers[0].args[3]",
				"ghcr.io/x/sidecar:1":                     "Deployment/operator spec.template.spec.containers[0].command[2]",
			},
			via:      map[string]string{"quay.io/thanos/thanos:v0.17.2": "flag --thanos-default-base-image"},
			warnings: []string{`args[9] (flag --mirror): invalid image reference "Quay.io/Org/Mirror:1"`},
		},
		{
			name: "env values",
			in: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: op}
spec:
  template:
    spec:
      containers:
      - name: op
        image: op:1
        env:
        - {name: RELATED_IMAGE_AGENT, value: "agent:2"}
        - {name: SIDECAR_IMAGE, value: "quay.io/x/sidecar:3"}
        - {name: DEFAULT_REGISTRY, value: "quay.io/x/y:4"}
        - {name: IMAGE_PULL_POLICY, value: Always}
        - {name: IMAGE_TAG, value: "v1.2"}
        - {name: LOG_LEVEL, value: debug}
        - {name: FROM_SECRET, valueFrom: {secretKeyRef: {name: s, key: k}}}
`,
			images: []string{"docker.io/library/agent:2", "docker.io/library/op:1", "quay.io/x/sidecar:3", "quay.io/x/y:4"},
			origins: map[string]string{
				"quay.io/x/sidecar:3": "Deployment/op spec.template.spec.containers[0].env[1].value",
			},
		},
		{
			name: "configmap with an embedded ImageConfig and image keys",
			in: `
# Source: k8ssandra/charts/cass-operator/templates/configmap.yaml
kind: ConfigMap
apiVersion: v1
metadata: {name: manager-config}
data:
  SIDECAR_IMAGE: quay.io/x/sidecar:1
  mirror.image: "busybox:1.36"
  script.sh: |
    #!/bin/sh
    echo image: not-an-image
  image_config.yaml: |
    apiVersion: config.k8ssandra.io/v1beta1
    kind: ImageConfig
    images:
      system-logger: "k8ssandra/system-logger:v1.13.1"
      config-builder: "datastax/cass-config-builder:1.0.5-ubi7"
      imagePullPolicy: IfNotPresent
    defaults:
      cassandra:
        repository: "k8ssandra/cass-management-api"
`,
			images: []string{
				"docker.io/datastax/cass-config-builder:1.0.5-ubi7",
				"docker.io/k8ssandra/system-logger:v1.13.1",
				"docker.io/library/busybox:1.36",
				"quay.io/x/sidecar:1",
			},
			origins: map[string]string{
				"docker.io/k8ssandra/system-logger:v1.13.1": `ConfigMap/manager-config data["image_config.yaml"].images.system-logger`,
				"docker.io/library/busybox:1.36":            `ConfigMap/manager-config data["mirror.image"]`,
			},
			via: map[string]string{"docker.io/k8ssandra/system-logger:v1.13.1": "cass-operator ImageConfig v1beta1"},
		},
		{
			name: "configmap with a JSON pod template",
			in: `
kind: ConfigMap
apiVersion: v1
metadata: {name: templates}
data:
  pod.json: '{"spec": {"containers": [{"name": "a", "image": "ghcr.io/a/b:1"}]}}'
`,
			images:  []string{"ghcr.io/a/b:1"},
			origins: map[string]string{"ghcr.io/a/b:1": `ConfigMap/templates data["pod.json"].spec.containers[0].image`},
		},
		{
			name: "ImageConfig v1beta1 overrides",
			in: `
apiVersion: config.k8ssandra.io/v1beta1
kind: ImageConfig
images:
  system-logger: "k8ssandra/system-logger:latest"
  medusa: "k8ssandra/medusa:latest"
  cassandra:
    "4.0.0": "k8ssandra/cassandra-ubi:latest"
imageRegistry: "localhost:5000"
imageNamespace: "enterprise"
defaults:
  cassandra: {repository: "k8ssandra/cass-management-api", imageRegistry: "localhost:5001"}
  medusa: {imageRegistry: "localhost:5005"}
`,
			images: []string{
				"localhost:5000/enterprise/system-logger:latest",
				"localhost:5001/enterprise/cassandra-ubi:latest",
				"localhost:5005/enterprise/medusa:latest",
			},
			via: map[string]string{"localhost:5005/enterprise/medusa:latest": `"k8ssandra/medusa:latest" with registry/namespace overrides`},
		},
		{
			name: "ImageConfig v1beta1 empty namespace removes the first path part",
			in: `
apiVersion: config.k8ssandra.io/v1beta1
kind: ImageConfig
images: {config-builder: "docker.io/datastax/cass-config-builder:1.0-ubi"}
imageNamespace: ""
`,
			images: []string{"docker.io/library/cass-config-builder:1.0-ubi"},
		},
		{
			name: "ImageConfig v1beta2 with defaults and overrides",
			in: `
apiVersion: config.k8ssandra.io/v1beta2
kind: ImageConfig
images:
  system-logger: {registry: ghcr.io, repository: k8ssandra, name: system-logger, tag: latest}
  config-builder: {repository: datastax, name: cass-config-builder, tag: 1.0-ubi}
  broken: {repository: x}
defaults: {registry: docker.io}
overrides: {registry: mirror.example.com}
`,
			images: []string{
				"mirror.example.com/datastax/cass-config-builder:1.0-ubi",
				"mirror.example.com/k8ssandra/system-logger:latest",
			},
			warnings: []string{"images.broken: ImageConfig image has no name"},
		},
		{
			name: "server image derived from ImageConfig v1beta2 for each datacenter",
			in: `
apiVersion: k8ssandra.io/v1alpha1
kind: K8ssandraCluster
metadata: {name: demo}
spec:
  cassandra:
    serverVersion: "4.0.17"
    datacenters:
    - metadata: {name: dc1}
    - metadata: {name: dc2}
      serverVersion: "4.1.8"
    - metadata: {name: dc3}
      serverImage: quay.io/own/cassandra:4.1.8
---
apiVersion: v1
kind: ConfigMap
metadata: {name: image-config, labels: {k8ssandra.io/config: image}}
data:
  image_config.yaml: |
    apiVersion: config.k8ssandra.io/v1beta2
    kind: ImageConfig
    defaults: {registry: docker.io}
    types:
      cassandra: {registry: ghcr.io, repository: k8ssandra, name: cass-management-api, suffix: "-ubi"}
`,
			images: []string{
				"ghcr.io/k8ssandra/cass-management-api:4.0.17-ubi",
				"ghcr.io/k8ssandra/cass-management-api:4.1.8-ubi",
				"quay.io/own/cassandra:4.1.8",
			},
			origins: map[string]string{
				"ghcr.io/k8ssandra/cass-management-api:4.1.8-ubi": "K8ssandraCluster/demo spec.cassandra.datacenters[1]",
			},
			via: map[string]string{"ghcr.io/k8ssandra/cass-management-api:4.0.17-ubi": "derived by cass-operator for cassandra 4.0.17 from types.cassandra of ImageConfig v1beta2 ConfigMap/image-config"},
		},
		{
			name: "server image derived from ImageConfig v1beta1 defaults for a CassandraDatacenter",
			in: `
apiVersion: cassandra.datastax.com/v1beta1
kind: CassandraDatacenter
metadata: {name: dc1}
spec: {serverType: dse, serverVersion: "6.8.43"}
---
apiVersion: config.k8ssandra.io/v1beta1
kind: ImageConfig
images: {system-logger: "k8ssandra/system-logger:v1.28.0"}
imageRegistry: "localhost:5000"
defaults:
  dse: {repository: "cr.dtsx.io/datastax/dse-mgmtapi-6_8", suffix: "-ubi"}
`,
			images: []string{
				"localhost:5000/datastax/dse-mgmtapi-6_8:6.8.43-ubi",
				"localhost:5000/k8ssandra/system-logger:v1.28.0",
			},
		},
		{
			name: "server image without an ImageConfig is a warning",
			in: `
apiVersion: cassandra.datastax.com/v1beta1
kind: CassandraDatacenter
metadata: {name: dc1}
spec: {serverVersion: "4.0.3"}
`,
			warnings: []string{"CassandraDatacenter/dc1 spec.serverVersion: no serverImage: cass-operator derives it from serverType cassandra and serverVersion 4.0.3"},
		},
		{
			name: "kubectl list",
			in: `
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c, image: "a:1"}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: b}, spec: {containers: [{name: c, image: "b:1"}]}}
`,
			images:  []string{"docker.io/library/a:1", "docker.io/library/b:1"},
			origins: map[string]string{"docker.io/library/b:1": "Pod/b spec.containers[0].image"},
		},
		{
			name: "no false positives",
			in: `
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: rules}
spec:
  groups:
  - rules:
    - expr: sum(container_memory_working_set_bytes{image!=""}) by (pod)
      alert: X
---
apiVersion: v1
kind: ConfigMap
metadata: {name: dashboard}
data:
  dash.json: '{"panels": [{"targets": [{"expr": "kube_pod_container_info{image!=\"\"}"}], "title": "image: usage"}]}'
  empty-image: ""
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - name: c
        image: ""
        imagePullPolicy: Always
      - name: d
        image: null
      imagePullSecrets: [{name: regcred}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  versions:
  - schema:
      openAPIV3Schema:
        properties:
          image: {type: string, description: "image: the image to run, e.g. busybox:1"}
`,
		},
		{
			name: "values that do not parse are warnings with their origin",
			in: `
# Source: chart/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - {name: a, image: "Quay.io/Org/App:1"}
      - {name: b, image: "<no value>"}
      - {name: c, image: "registry.example.com/app:"}
`,
			warnings: []string{
				`chart/templates/deploy.yaml: Deployment/d spec.template.spec.containers[0].image: invalid image reference "Quay.io/Org/App:1"`,
				`spec.template.spec.containers[1].image: invalid image reference "<no value>"`,
				`spec.template.spec.containers[2].image: invalid image reference "registry.example.com/app:"`,
			},
		},
		{
			name: "duplicates are merged with all their origins",
			in: `
apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {containers: [{name: c, image: "busybox"}, {name: d, image: "docker.io/library/busybox:latest"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec: {containers: [{name: c, image: "index.docker.io/busybox"}]}
`,
			images:  []string{"docker.io/library/busybox:latest"},
			origins: map[string]string{"docker.io/library/busybox:latest": "Pod/b spec.containers[0].image"},
		},
	})
}

func TestScanSourceAndSyntaxErrors(t *testing.T) {
	t.Parallel()
	in := `---
# Source: chart/templates/a.yaml
apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {containers: [{name: c, image: "a:1"}]}
---
# Source: chart/templates/broken.yaml
apiVersion: v1
kind: Pod
  metadata: [
---
# Source: chart/templates/b.yaml
apiVersion: v1
kind: Pod
metadata: {name: b}
spec: {containers: [{name: c, image: "b:1"}]}
`
	res, err := Scan([]byte(in), "stream.yaml")
	if err == nil || !strings.Contains(err.Error(), "chart/templates/broken.yaml (input line 11): yaml: mapping values are not allowed") {
		t.Errorf("err = %v, want the broken document named with its line", err)
	}
	if got := res.Refs(); !slices.Equal(got, []string{"docker.io/library/a:1", "docker.io/library/b:1"}) {
		t.Errorf("images = %q: the documents around a broken one must still be scanned", got)
	}
	img, _ := res.Find("b:1")
	if img.Origins[0].File != "chart/templates/b.yaml" {
		t.Errorf("file = %q, want the # Source: of the document", img.Origins[0].File)
	}
}

func TestDeclared(t *testing.T) {
	t.Parallel()
	s := NewScanner()
	s.AddDeclared("wordpress", map[string]string{
		"images":                "- name: wordpress\n  image: docker.io/bitnami/wordpress:6.8.2-debian-12-r4\n- name: os-shell\n  image: docker.io/bitnami/os-shell:12-debian-12-r50\n",
		"artifacthub.io/images": "- name: x\n  image: quay.io/x/y:1\n  whitelisted: true\n",
		"helm.sh/images":        "- ghcr.io/a/b:2\n- Bad:Ref\n",
		"category":              "CMS",
	})
	res := s.Result()
	if len(res.Images) != 0 {
		t.Errorf("declared images must not be reported as deployed: %v", res.Refs())
	}
	var got []string
	for _, img := range res.Declared {
		got = append(got, img.Ref.String())
	}
	want := []string{"docker.io/bitnami/os-shell:12-debian-12-r50", "docker.io/bitnami/wordpress:6.8.2-debian-12-r4", "ghcr.io/a/b:2", "quay.io/x/y:1"}
	if !slices.Equal(got, want) {
		t.Errorf("declared = %q, want %q", got, want)
	}
	img, _ := res.Find("docker.io/bitnami/os-shell:12-debian-12-r50")
	if o := img.Origins[0]; o.File != "wordpress/Chart.yaml" || o.Path != "annotations.images[1]" || o.Form != Declared || !o.At.IsZero() {
		t.Errorf("origin = %+v", o)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), `annotations["helm.sh/images"][1]`) {
		t.Errorf("warnings = %v, want the bad helm.sh/images entry", res.Warnings)
	}
}

// An alias bomb (a few hundred bytes that expand to millions of nodes) is
// refused in a document and in a ConfigMap value, rather than walked for
// minutes; the documents around it are still scanned.
func TestScanAliasBomb(t *testing.T) {
	t.Parallel()
	levels := func(indent string) string {
		var b strings.Builder
		b.WriteString(indent + `l0: &l0 [{image: "x:1"},{image: "x:1"},{image: "x:1"},{image: "x:1"},{image: "x:1"},{image: "x:1"},{image: "x:1"},{image: "x:1"},{image: "x:1"}]` + "\n")
		for i := 1; i <= 6; i++ {
			p := fmt.Sprintf("*l%d", i-1)
			fmt.Fprintf(&b, "%sl%d: &l%d [%s%s]\n", indent, i, i, strings.Repeat(p+",", 8), p)
		}
		return b.String()
	}
	in := "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: \"a:1\"}]}\n" +
		"---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bomb}\nspec:\n" + levels("  ") +
		"  template: {spec: {containers: *l6}}\n" +
		"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata:\n  config.yaml: |\n" + levels("    ") +
		"    containers: *l6\n"
	res, err := Scan([]byte(in), "bomb.yaml")
	if err == nil || !strings.Contains(err.Error(), "bomb.yaml (input line 6): yaml: excessive aliasing") {
		t.Errorf("err = %v, want the Deployment refused for excessive aliasing", err)
	}
	if got := res.Refs(); !slices.Equal(got, []string{"docker.io/library/a:1"}) {
		t.Errorf("images = %q, want only the Pod's", got)
	}
}
