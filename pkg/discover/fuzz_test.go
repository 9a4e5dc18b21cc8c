package discover

import (
	"errors"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/reference"
)

func FuzzScan(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: busybox}]}\n",
		"---\n# Source: x/templates/a.yaml\nkind: ConfigMap\napiVersion: v1\ndata:\n  a.yaml: |\n    image: quay.io/a/b:1\n",
		"apiVersion: config.k8ssandra.io/v1beta1\nkind: ImageConfig\nimages: {a: \"b:1\", cassandra: {\"4.0\": \"c:1\"}}\nimageNamespace: \"\"\nimageRegistry: r.io\n",
		"apiVersion: config.k8ssandra.io/v1beta2\nkind: ImageConfig\nimages: {a: {name: b}}\ntypes: {cassandra: {name: c}}\n",
		"kind: K8ssandraCluster\napiVersion: k8ssandra.io/v1alpha1\nspec: {cassandra: {serverVersion: \"4\", datacenters: [{}]}}\n",
		"kind: List\nitems: [{kind: Pod, spec: {containers: [{args: [\"--x-image\", \"a:1\", \"--y=quay.io/a/b:1\"]}]}}]\n",
		"a: &x {image: b}\nb: *x\n",
		"--- {image: [1, 2]}\n--- [image, {serverImage: 3}]\n...\n",
		"{\"image\": {\"registry\": \"r.io\", \"repository\": \"a\", \"sha\": \"abc\"}}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Scan(data, "fuzz.yaml")
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
		for _, img := range res.Images {
			again, perr := reference.Parse(img.Ref.String())
			if perr != nil || again.String() != img.Ref.String() {
				t.Fatalf("image %q does not round-trip: %v", img.Ref.String(), perr)
			}
			if len(img.Origins) == 0 {
				t.Fatalf("image %q without origin", img.Ref.String())
			}
		}
		for _, w := range res.Warnings {
			if strings.Contains(w.String(), "\n") {
				t.Fatalf("warning spans lines: %q", w.String())
			}
		}
	})
}
