package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValuesAndCheck(t *testing.T) {
	out := filepath.Join(t.TempDir(), "mirror.yaml")
	code, stdout, stderr := run(t, "", "values", "../../examples/platform", "--to", "registry.internal:5000/mirror", "--output-file", out)
	// The example hard-codes three images in its templates: values says
	// so and fails, but writes what values can do.
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"3 image(s) escape the mirror (8 moved); 3 set in templates only: airlift postrender --to registry.internal:5000/mirror rewrites them",
		"leak: docker.io/library/busybox:1.36.1 (want registry.internal:5000/mirror/library/busybox:1.36.1) at platform/templates/api.yaml",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "platform-values.yaml", string(b))

	// check finds the same leaks in the file values wrote, and one more in
	// a hand-written file that trusts global.imageRegistry alone.
	code, _, stderr = run(t, "", "check", "../../examples/platform", "--to", "registry.internal:5000/mirror", "-f", out)
	if code != 1 || strings.Count(stderr, "leak: ") != 3 {
		t.Errorf("check: exit %d\n%s", code, stderr)
	}
	hand := filepath.Join(t.TempDir(), "hand.yaml")
	os.WriteFile(hand, []byte("global:\n  imageRegistry: registry.internal:5000/mirror\n"), 0o644)
	code, _, stderr = run(t, "", "check", "../../examples/platform", "--to", "registry.internal:5000/mirror", "--overrides", hand)
	if code != 1 || !strings.Contains(stderr, "leak: docker.io/bitnami/postgresql:16.4.0") || strings.Count(stderr, "leak: ") != 5 {
		t.Errorf("check of a hand-written file: exit %d\n%s", code, stderr)
	}
	code, _, stderr = run(t, "", "check", "../../examples/platform", "--to", "registry.internal:5000/mirror")
	if code != 2 || !strings.Contains(stderr, "check needs the overrides") {
		t.Errorf("check without overrides: exit %d %s", code, stderr)
	}
}

func TestPostrender(t *testing.T) {
	in := `---
# Source: x/templates/a.yaml
apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  containers:
  - name: c
    image: "busybox:1.36"
    args: ["--sidecar-image=quay.io/x/sidecar:1", "--log-level=info"]
`
	code, out, stderr := run(t, in, "postrender", "--to", "registry.internal:5000/m")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{`image: "registry.internal:5000/m/library/busybox:1.36"`, "--sidecar-image=registry.internal:5000/m/x/sidecar:1", "--log-level=info", "# Source: x/templates/a.yaml"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := run(t, in, "postrender"); code != 2 {
		t.Errorf("postrender without --to: exit %d, want 2", code)
	}
}

// TestWarningFailsValues: a value discovery could not read (a version map
// entry that is not a reference) makes values and check exit non-zero:
// a warning is never followed by "all moved".
func TestWarningFailsValues(t *testing.T) {
	out := filepath.Join(t.TempDir(), "mirror.yaml")
	code, _, stderr := run(t, "", "values", "testdata/charts/unreadable", "--to", "registry.internal:5000/mirror", "--output-file", out)
	if code != 1 || strings.Contains(stderr, "check: all") {
		t.Fatalf("values: exit %d\n%s", code, stderr)
	}
	want := `leak: "quay.io/Acme/product:0.42.0-3.8.0" (invalid image reference`
	if !strings.Contains(stderr, want) || !strings.Contains(stderr, "entry 3.8.0") {
		t.Errorf("values stderr lacks %q:\n%s", want, stderr)
	}
	code, _, stderr = run(t, "", "check", "testdata/charts/unreadable", "--to", "registry.internal:5000/mirror", "--overrides", out)
	if code != 1 || !strings.Contains(stderr, want) || strings.Contains(stderr, "check: all") {
		t.Errorf("check: exit %d\n%s", code, stderr)
	}
}
