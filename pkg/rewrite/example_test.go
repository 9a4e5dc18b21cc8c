package rewrite_test

import (
	"fmt"
	"os"

	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/rewrite"
)

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
	out, changes, err := rewrite.Rewrite([]byte(manifest), m)
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

// ExampleRewrite_imageConfig moves a cass-operator ImageConfig by its own
// registry setting: the server images the operator derives later from a
// datacenter's serverVersion come from the mirror too.
func ExampleRewrite_imageConfig() {
	manifest := `apiVersion: config.k8ssandra.io/v1beta1
kind: ImageConfig
metadata:
  name: image-config
images:
  system-logger: "cr.k8ssandra.io/k8ssandra/system-logger:v1.28.0"
defaults:
  cassandra:
    repository: "cr.k8ssandra.io/k8ssandra/cass-management-api"
`
	m, _ := reference.ParseDestination("registry.example.com/mirror", reference.KeepPath)
	out, changes, err := rewrite.Rewrite([]byte(manifest), m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Print(string(out))
	for _, c := range changes {
		fmt.Printf("%s -> %s by %s\n", c.From, c.To, c.Knob)
	}
	// Output:
	// apiVersion: config.k8ssandra.io/v1beta1
	// kind: ImageConfig
	// metadata:
	//   name: image-config
	// imageRegistry: "registry.example.com/mirror"
	// images:
	//   system-logger: "cr.k8ssandra.io/k8ssandra/system-logger:v1.28.0"
	// defaults:
	//   cassandra:
	//     repository: "cr.k8ssandra.io/k8ssandra/cass-management-api"
	// cr.k8ssandra.io/k8ssandra/system-logger:v1.28.0 -> registry.example.com/mirror/k8ssandra/system-logger:v1.28.0 by ImageConfig imageRegistry: "registry.example.com/mirror"
}

// ExampleKustomize writes the kustomize Component that moves the images of
// a kustomize build's output.
func ExampleKustomize() {
	manifest := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        image: busybox:1.36
        env:
        - {name: RELATED_IMAGE_DB, value: "docker.io/library/postgres:16"}
`
	m, _ := reference.ParseDestination("registry.example.com/mirror", reference.KeepPath)
	c, err := rewrite.Kustomize([]byte(manifest), m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	out, err := c.YAML()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Print(string(out))
	// Output:
	// # Written by airlift: moves the images of the manifests it was made from to the mirror.
	// apiVersion: kustomize.config.k8s.io/v1alpha1
	// kind: Component
	// images:
	//   - name: busybox
	//     newName: registry.example.com/mirror/library/busybox
	// patches:
	//   - target:
	//       group: apps
	//       version: v1
	//       kind: Deployment
	//       name: web
	//     patch: |
	//       - op: replace
	//         path: /spec/template/spec/containers/0/env/0/value
	//         value: registry.example.com/mirror/library/postgres:16
}
