package chart_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/airlift-cli/airlift/pkg/chart"
)

// ExampleRender renders a local chart with a --set value, as
// `helm template demo ./testdata/charts/hello --set greeting=hi` would.
func ExampleRender() {
	r, err := chart.Render(context.Background(),
		chart.Source{Chart: "testdata/charts/hello"},
		chart.Values{Set: []string{"greeting=hi"}},
		chart.Options{ReleaseName: "demo"},
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Printf("%s %s (app %s), %d chart(s)\n", r.Name, r.Version, r.AppVersion, len(r.Charts))
	fmt.Print(string(r.Manifest))
	// Output:
	// hello 0.1.0 (app 1.0), 1 chart(s)
	// ---
	// # Source: hello/templates/pod.yaml
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: demo-hello
	// spec:
	//   containers:
	//     - name: hello
	//       image: example.com/hello:1.0
	//       args: ["hi"]
}

// ExampleRender_errors shows how callers branch on the error types.
func ExampleRender_errors() {
	_, err := chart.Render(context.Background(),
		chart.Source{Chart: "./testdata/nope"}, chart.Values{}, chart.Options{})
	var notFound *chart.NotFoundError
	if errors.As(err, &notFound) {
		fmt.Println("not found:", notFound.Chart)
	}
	fmt.Println(err)
	// Output:
	// not found: ./testdata/nope
	// chart "./testdata/nope" not found: no such file or directory
}
