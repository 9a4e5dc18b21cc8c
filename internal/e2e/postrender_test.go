package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/internal/testregistry"
	"github.com/airlift-cli/airlift/pkg/discover"
)

// helmBinary finds the helm CLI: on PATH or in $(go env GOPATH)/bin. Under
// CI its absence fails the test (.ci/run installs it).
func helmBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "helm")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("helm not found: .ci/run installs it (go install helm.sh/helm/v4/cmd/helm)")
	}
	t.Skip("helm not found (go install helm.sh/helm/v4/cmd/helm@v4.3.1): post-renderer test skipped")
	return ""
}

// TestPostrenderWithHelm: a chart that hard-codes its images, rendered by
// the real helm CLI with airlift as its post-renderer plugin: every image,
// the one in a container arg included, ends up in the mirror.
func TestPostrenderWithHelm(t *testing.T) {
	t.Parallel()
	helm := helmBinary(t)
	plugins := t.TempDir()
	env := []string{"HELM_PLUGINS=" + plugins}
	if r := airlift(t, env, "postrender", "install"); r.code != 0 {
		t.Fatalf("install: exit %d\n%s", r.code, r.stderr)
	}
	cmd := exec.Command(helm, "template", "demo", "testdata/charts/hardcoded",
		"--post-renderer", "airlift-postrender",
		"--post-renderer-args=--to", "--post-renderer-args=registry.internal:5000/mirror")
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_PLUGINS="+plugins, "HOME="+home, "XDG_CACHE_HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helm template --post-renderer: %v\n%s", err, out)
	}
	res, err := discover.Scan(out, "helm-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"registry.internal:5000/mirror/library/busybox:1.36.1",
		"registry.internal:5000/mirror/vendor/agent:1.2.3",
		"registry.internal:5000/mirror/vendor/sidecar:1.2.3",
	}
	if got := res.Refs(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("images after the post-renderer:\n got %q\nwant %q\n%s", got, want, out)
	}
	if !strings.Contains(string(out), "--log-level=info") {
		t.Errorf("the post-renderer changed what is not an image:\n%s", out)
	}
}

// TestRelocate: copy and values in one command, against real registries;
// then the real helm CLI renders the chart with the written values, and
// every image it names is in the target registry, with the source digest.
func TestRelocate(t *testing.T) {
	t.Parallel()
	helm := helmBinary(t)
	src := testregistry.StartProcess(t)
	dst := testregistry.StartProcess(t)
	_, imgs := corpus(t, src.Host)
	vals := filepath.Join(t.TempDir(), "mirror.yaml")
	// The user's values point at the source registry (a values file: a
	// --set would win over any values file, overrides included).
	user := filepath.Join(t.TempDir(), "user.yaml")
	if err := os.WriteFile(user, []byte("api:\n  image: {registry: "+src.Host+"}\nworker:\n  image: "+src.Host+"/team/worker:1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := airlift(t, nil, "relocate", "testdata/charts/relocatable", "-f", user, "--to", dst.Host+"/mirror", "--output-file", vals, "--no-progress")
	if r.code != 0 {
		t.Fatalf("relocate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	b, _ := os.ReadFile(vals)
	if !strings.Contains(string(b), "imageRegistry: "+dst.Host+"/mirror") || !strings.Contains(string(b), "image: "+dst.Host+"/mirror/team/worker:1.0") {
		t.Errorf("values:\n%s", b)
	}
	out, err := exec.Command(helm, "template", "demo", "testdata/charts/relocatable", "-f", user, "-f", vals).CombinedOutput()
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, out)
	}
	res, err := discover.Scan(out, "helm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		dst.Host + "/mirror/team/api:1.0":    imgs[0].Index.Digest.String(),
		dst.Host + "/mirror/team/worker:1.0": imgs[1].Index.Digest.String(),
	}
	if len(res.Images) != len(want) {
		t.Fatalf("helm renders %q", res.Refs())
	}
	for _, img := range res.Images {
		d, ok := want[img.Ref.String()]
		if !ok {
			t.Errorf("helm renders %s, not in the mirror", img.Ref)
			continue
		}
		if got := digestOf(t, img.Ref.Registry, img.Ref.Repository, img.Ref.Tag); got != d {
			t.Errorf("%s: digest %q in the target, want %s", img.Ref, got, d)
		}
	}
}

// TestPostrenderLogWithHelm: Helm 4 discards a post-renderer plugin's
// stderr ("plugin ... exited with error", nothing else); with AIRLIFT_LOG
// airlift's own message is in that file.
func TestPostrenderLogWithHelm(t *testing.T) {
	helm := helmBinary(t)
	plugins := t.TempDir()
	if r := airlift(t, []string{"HELM_PLUGINS=" + plugins}, "postrender", "install"); r.code != 0 {
		t.Fatalf("install: exit %d\n%s", r.code, r.stderr)
	}
	logFile := filepath.Join(t.TempDir(), "airlift.log")
	cmd := exec.Command(helm, "template", "demo", "testdata/charts/hardcoded",
		"--post-renderer", "airlift-postrender",
		"--post-renderer-args=--to", "--post-renderer-args=bad//x")
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_PLUGINS="+plugins, "HOME="+home, "XDG_CACHE_HOME="+home,
		"XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home, "AIRLIFT_LOG="+logFile)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("helm template succeeded with a bad --to:\n%s", out)
	}
	if strings.Contains(string(out), "--to") {
		t.Logf("helm now shows the plugin's stderr: %s", out)
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "airlift postrender --to bad//x") || !strings.Contains(string(log), "airlift: --to:") {
		t.Errorf("AIRLIFT_LOG holds:\n%s", log)
	}
}
