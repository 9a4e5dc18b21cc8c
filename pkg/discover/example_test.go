package discover_test

import (
	"fmt"

	"github.com/airlift-cli/airlift/pkg/discover"
)

func ExampleScan() {
	manifest := `
# Source: demo/templates/operator.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: operator}
spec:
  template:
    spec:
      containers:
      - name: operator
        image: quay.io/prometheus-operator/prometheus-operator:v0.93.1
        args: ["--prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1"]
`
	res, err := discover.Scan([]byte(manifest), "manifest.yaml")
	if err != nil {
		panic(err)
	}
	for _, img := range res.Images {
		fmt.Println(img.Ref)
		for _, o := range img.Origins {
			fmt.Println("  ", o)
		}
	}
	// Output:
	// quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1
	//    demo/templates/operator.yaml: Deployment/operator spec.template.spec.containers[0].args[0] (flag --prometheus-config-reloader)
	// quay.io/prometheus-operator/prometheus-operator:v0.93.1
	//    demo/templates/operator.yaml: Deployment/operator spec.template.spec.containers[0].image
}

// A version map in an env value: every entry is an image, its key in the
// origin.
func ExampleScan_versionMap() {
	manifest := `
apiVersion: apps/v1
kind: Deployment
metadata: {name: strimzi-cluster-operator}
spec:
  template:
    spec:
      containers:
      - name: operator
        image: quay.io/strimzi/operator:1.2.0
        env:
        - name: STRIMZI_KAFKA_IMAGES
          value: |
            4.2.0=quay.io/strimzi/kafka:1.2.0-kafka-4.2.0
            4.3.1=quay.io/strimzi/kafka:1.2.0-kafka-4.3.1
`
	res, _ := discover.Scan([]byte(manifest), "operator.yaml")
	for _, img := range res.Images {
		fmt.Println(img.Ref, "at", img.Origins[0].Path, "-", img.Origins[0].Via)
	}
	// Output:
	// quay.io/strimzi/kafka:1.2.0-kafka-4.2.0 at spec.template.spec.containers[0].env[0].value{4.2.0} - env STRIMZI_KAFKA_IMAGES, entry 4.2.0
	// quay.io/strimzi/kafka:1.2.0-kafka-4.3.1 at spec.template.spec.containers[0].env[0].value{4.3.1} - env STRIMZI_KAFKA_IMAGES, entry 4.3.1
	// quay.io/strimzi/operator:1.2.0 at spec.template.spec.containers[0].image -
}

// Images an operator pulls by default come from the catalog, on the
// operator's container; WithCatalog(nil) leaves them out.
func ExampleNewScanner_operatorDefaults() {
	manifest := `
apiVersion: apps/v1
kind: Deployment
metadata: {name: grafana-operator}
spec:
  template:
    spec:
      containers:
      - name: manager
        image: ghcr.io/grafana/grafana-operator:v5.24.0
`
	for _, opts := range [][]discover.Option{nil, {discover.WithCatalog(nil)}} {
		s := discover.NewScanner(opts...)
		_ = s.Add([]byte(manifest), "operator.yaml")
		for _, img := range s.Result().Images {
			fmt.Println(img.Ref, img.Origins[0].Form)
		}
		fmt.Println("--")
	}
	// Output:
	// docker.io/grafana/grafana:13.0.1 operator default
	// ghcr.io/grafana/grafana-operator:v5.24.0 written
	// --
	// ghcr.io/grafana/grafana-operator:v5.24.0 written
	// --
}
