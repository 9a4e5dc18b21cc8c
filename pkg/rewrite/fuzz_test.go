package rewrite_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/rewrite"
)

// FuzzRewrite: whatever the input, Rewrite does not panic, fails only on
// syntax errors, and keeps the lines of the stream.
func FuzzRewrite(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: busybox, args: [\"--x-image\", \"a:1\"]}]}\n",
		"---\n# Source: x/templates/a.yaml\nkind: ConfigMap\napiVersion: v1\ndata:\n  a.yaml: |\n    image: quay.io/a/b:1\n    ---\n    image: quay.io/a/c:1\n",
		"apiVersion: config.k8ssandra.io/v1beta1\nkind: ImageConfig\nimages: {a: \"b:1\", cassandra: {\"4.0\": \"c:1\"}}\nimageRegistry: r.io\n---\nkind: CassandraDatacenter\nspec: {serverVersion: \"4.0\"}\n",
		"apiVersion: config.k8ssandra.io/v1beta2\nkind: ImageConfig\nimages: {a: {registry: r.io, repository: x, name: b, tag: \"1\"}}\n",
		"kind: List\nitems: [{kind: Pod, spec: {containers: [{image: a:1, env: [{name: X_IMAGE, value: b:1}]}]}}]\n",
		"a: &x {image: b}\nb: *x\nc: {image: {reference: quay.io/a/b:1}}\n",
		"--- {image: a:1}\n--- [{image: b:1}, {serverImage: c:1}]\n...\n",
		"{\"image\": {\"registry\": \"r.io\", \"repository\": \"a\", \"name\": \"b\", \"sha\": \"abc\"}}",
		"kind: Deployment\nspec: {template: {spec: {containers: [{name: m, image: \"ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0\", env: [{name: A, value: b}]}]}}}\n",
		"kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: m\n        image: ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0\n        ports: []\n",
		"kind: ConfigMap\napiVersion: v1\ndata:\n  v: |\n    4.2.0=quay.io/a/b:1\n  t: |\n    image = \"quay.io/a/c:1\"\n  j: '{\"global\": {\"hub\": \"quay.io/a\", \"tag\": \"1\"}, \"x\": {\"image\": \"d\"}}'\n",
	} {
		f.Add([]byte(seed))
	}
	m, err := reference.ParseDestination("registry.example.com:5000/mirror", reference.KeepPath)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, changes, err := rewrite.Rewrite(data, m)
		if err != nil {
			var se *discover.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		inserted := 0
		for _, c := range changes {
			inserted += c.Inserted
		}
		if bytes.Count(out, []byte("\n")) != bytes.Count(data, []byte("\n"))+inserted {
			t.Fatalf("lines changed:\n%q\n%q", data, out)
		}
	})
}
