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
