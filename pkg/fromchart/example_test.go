package fromchart_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/fromchart"
)

// Inventory renders a chart as `helm template` would and lists what it
// runs, each image traced to where it comes from: here, the images that
// global.imageRegistry does not move.
func ExampleInventory() {
	cache, _ := os.MkdirTemp("", "airlift-example-")
	defer os.RemoveAll(cache)
	rep, err := fromchart.Inventory(context.Background(), chart.Request{
		Source:  chart.Source{Chart: filepath.Join("..", "..", "examples", "platform")},
		Values:  chart.Values{Set: []string{"global.imageRegistry=registry.internal:5000"}},
		Options: chart.Options{SkipTests: true, CacheDir: cache},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Chart.Name, rep.Chart.Version, len(rep.Images), "images")
	for _, img := range rep.Images {
		if img.Ref.Registry != "registry.internal:5000" {
			fmt.Println(img.Ref)
			fmt.Println(" ", img.Origins[0])
		}
	}
	// Output:
	// platform 1.0.0 10 images
	// docker.io/bitnami/postgresql:16.4.0
	//   platform/templates/jobs.yaml: CronJob/release-name-backup spec.jobTemplate.spec.template.spec.containers[0].image
	// docker.io/library/busybox:1.36.1
	//   platform/templates/api.yaml: Deployment/release-name-api spec.template.spec.initContainers[0].image
	// ghcr.io/example/platform-worker:2.4.1
	//   platform/templates/api.yaml: Deployment/release-name-api spec.template.spec.containers[0].args[1] (flag --worker-image)
	// quay.io/prometheus/statsd-exporter:v0.27.1
	//   platform/templates/api.yaml: Deployment/release-name-api spec.template.spec.containers[0].env[0].value (env RELATED_IMAGE_METRICS_EXPORTER)
}
