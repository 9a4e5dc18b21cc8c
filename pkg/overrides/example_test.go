package overrides_test

import (
	"context"
	"fmt"
	"os"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/fromchart"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// Example writes the values that point a chart at a mirror, as `airlift
// values ./globalreg --to registry.example.com:5000/mirror` does: the chart
// honours global.imageRegistry, except its exporter subchart, whose
// repository carries the registry.
func Example() {
	ctx := context.Background()
	l, err := chart.Load(ctx, chart.Source{Chart: "testdata/charts/globalreg"}, chart.Values{}, chart.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	c, err := fromchart.New(l)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	m, err := reference.ParseDestination("registry.example.com:5000/mirror", reference.KeepPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	t, err := overrides.Trace(ctx, c, overrides.TraceOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	o, err := overrides.Plan(ctx, c, t, m, overrides.PlanOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println("check passed:", o.Check.OK())
	fmt.Print(string(o.YAML()))
	// Output:
	// check passed: true
	// # Values for globalreg 1.0.0 that pull every image from registry.example.com:5000/mirror (keep-path layout).
	// # Give this file to Helm after your own values files: -f your-values.yaml -f this-file.yaml
	// # Written by airlift values; checked by rendering the chart with it.
	// # Check: 3 image(s) moved, 0 left behind.
	//
	// exporter:
	//   image:
	//     # quay.io/acme/exporter:v2 -> registry.example.com:5000/mirror/acme/exporter:v2
	//     repository: registry.example.com:5000/mirror/acme/exporter
	// global:
	//   # chart-wide: moves 2 image(s)
	//   #   quay.io/acme/server:1.0 -> registry.example.com:5000/mirror/acme/server:1.0
	//   #   quay.io/acme/ui:1.0 -> registry.example.com:5000/mirror/acme/ui:1.0
	//   imageRegistry: registry.example.com:5000/mirror
}

// ExampleRewrite moves the images of a manifest stream, as the Helm
// post-renderer `airlift postrender --to ...` does for images that only
// the templates set.
func ExampleRewrite() {
	manifest := `apiVersion: v1
kind: Pod
metadata: {name: demo}
spec:
  containers:
  - name: app
    image: busybox:1.36 # pinned
    args: ["--helper-image=quay.io/acme/helper:1.0"]
`
	m, _ := reference.ParseDestination("registry.example.com/mirror", reference.KeepPath)
	out, changes, err := overrides.Rewrite([]byte(manifest), m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Print(string(out))
	for _, c := range changes {
		fmt.Printf("line %d: %s -> %s\n", c.Line, c.From, c.To)
	}
	// Output:
	// apiVersion: v1
	// kind: Pod
	// metadata: {name: demo}
	// spec:
	//   containers:
	//   - name: app
	//     image: registry.example.com/mirror/library/busybox:1.36 # pinned
	//     args: ["--helper-image=registry.example.com/mirror/acme/helper:1.0"]
	// line 7: docker.io/library/busybox:1.36 -> registry.example.com/mirror/library/busybox:1.36
	// line 8: quay.io/acme/helper:1.0 -> registry.example.com/mirror/acme/helper:1.0
}
