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
