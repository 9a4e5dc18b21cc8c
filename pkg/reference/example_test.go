package reference_test

import (
	"errors"
	"fmt"

	"github.com/airlift-cli/airlift/pkg/reference"
)

func ExampleParse() {
	r, err := reference.Parse("grafana/grafana:7.5.17")
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Registry, r.Repository, r.Tag)
	fmt.Println(r)

	r = reference.MustParse("busybox")
	fmt.Println(r, r.TagImplied)

	_, err = reference.Parse("Busybox:1")
	fmt.Println(err)
	fmt.Println(errors.Is(err, reference.ErrInvalid))
	// Output:
	// docker.io grafana/grafana 7.5.17
	// docker.io/grafana/grafana:7.5.17
	// docker.io/library/busybox:latest true
	// invalid image reference "Busybox:1": repository name must be lowercase
	// true
}

func ExampleReference_Familiar() {
	for _, s := range []string{
		"docker.io/library/busybox:1.36",
		"index.docker.io/grafana/grafana:7.5.17",
		"quay.io/prometheus/node-exporter:v1.8.2",
	} {
		fmt.Println(reference.MustParse(s).Familiar())
	}
	// Output:
	// busybox:1.36
	// grafana/grafana:7.5.17
	// quay.io/prometheus/node-exporter:v1.8.2
}
