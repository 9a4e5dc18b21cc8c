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
		"kind: Pod\nspec: {containers: [{image: a:1, env: [{name: V, value: \"4.2.0=quay.io/a/b:1\\n4.3.0=q.io/Bad:2\\n\"}, {name: J, value: '{\"1\": \"x.io/a/b:1\"}'}]}]}\n",
		"kind: ConfigMap\napiVersion: v1\ndata:\n  t: |\n    [a]\n    image = \"q.io/a/b:1\"\n    exec x --y-image=q.io/c:2 {{ .z }}\n  v: '{\"global\": {\"hub\": \"q.io/a\", \"tag\": \"1\", \"variant\": \"d\"}, \"p\": {\"image\": \"b\"}}'\n",
		"kind: Secret\napiVersion: v1\ndata: {a: aW1hZ2U6IHEuaW8vYS9iOjEK, b: '!!'}\nstringData: {c: \"image: q.io/c:1\"}\n",
		"kind: Deployment\nspec: {template: {spec: {containers: [{image: ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:0.158.0, args: [--enable-go-instrumentation]}]}}}\n",
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

// FuzzTextValues: the line scanner of texts that are not YAML never panics,
// and every value it keeps is on its line, without spaces or template
// actions.
func FuzzTextValues(f *testing.F) {
	for _, seed := range []string{
		"4.2.0=quay.io/a/b:1\n4.3.0=quay.io/a/b:2\n",
		"[agent]\nimage = \"quay.io/a/b:1\" # pinned\n",
		"#!/bin/sh\nexport X_IMAGE=q.io/a:1\nexec run --sidecar-image q.io/b:2 --x={{ .y }}\n",
		"spec:\n  containers:\n  - image: busybox\n",
		"\"image\": \"a/b:1\",\nk: v\n",
	} {
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, text string, pods bool) {
		lines := strings.Split(text, "\n")
		for _, v := range textValues(text, pods) {
			if v.line < 0 || v.line >= len(lines) || !strings.Contains(lines[v.line], v.value) {
				t.Fatalf("value %q not on line %d of %q", v.value, v.line, text)
			}
			if v.value == "" || strings.ContainsAny(v.value, " \t") || hasTemplate(v.value) {
				t.Fatalf("value %q kept", v.value)
			}
		}
	})
}
