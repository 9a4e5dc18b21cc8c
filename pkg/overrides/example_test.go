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
