package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
)

// TestAirGap: a chart and its images packed into one archive, read by
// skopeo without airlift, unpacked into another registry with the chart
// pushed and the values written; the real helm renders the pushed chart
// with those values, and every image it names is in the target.
func TestAirGap(t *testing.T) {
	t.Parallel()
	src := testregistry.StartProcess(t)
	dst := testregistry.StartProcess(t)
	specs := []testimage.Spec{
		{Repository: "vendor/agent", Tag: "1.2.3", Seed: 71},
		{Repository: "library/busybox", Tag: "1.36.1", Seed: 72},
	}
	imgs := pushImages(t, src.Host, specs...)
	dir := t.TempDir()
	chartDir := filepath.Join(dir, "demo")
	os.MkdirAll(filepath.Join(chartDir, "templates"), 0o755)
	os.WriteFile(filepath.Join(chartDir, "Chart.yaml"), []byte("apiVersion: v2\nname: demo\nversion: 0.1.0\n"), 0o644)
	os.WriteFile(filepath.Join(chartDir, "values.yaml"), []byte("global:\n  imageRegistry: \"\"\nagent:\n  registry: "+src.Host+"\n  repository: vendor/agent\n  tag: 1.2.3\n"), 0o644)
	os.WriteFile(filepath.Join(chartDir, "templates", "d.yaml"), []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      initContainers:
        - {name: init, image: "{{ .Values.initImage }}"}
      containers:
        - name: agent
          image: "{{ .Values.global.imageRegistry | default .Values.agent.registry }}/{{ .Values.agent.repository }}:{{ .Values.agent.tag }}"
`), 0o644)
	prod := filepath.Join(dir, "prod.yaml")
	os.WriteFile(prod, []byte("initImage: "+src.Host+"/library/busybox:1.36.1\n"), 0o644)

	archive := filepath.Join(dir, "site.tar.zst")
	r := airlift(t, nil, "pack", chartDir, "-f", prod, "--output-file", archive, "--no-progress")
	if r.code != 0 {
		t.Fatalf("pack: exit %d\n%s", r.code, r.stderr)
	}
	r2 := airlift(t, nil, "pack", chartDir, "-f", prod, "--output-file", filepath.Join(dir, "again.tar.zst"), "--no-progress")
	a1, _ := os.ReadFile(archive)
	a2, _ := os.ReadFile(filepath.Join(dir, "again.tar.zst"))
	if r2.code != 0 || string(a1) != string(a2) {
		t.Errorf("two packs of the same inputs differ (exit %d)", r2.code)
	}
	if r := airlift(t, nil, "inspect", archive, "--verify"); r.code != 0 || !strings.Contains(r.stdout, "chart demo 0.1.0") || !strings.Contains(r.stdout, "verified") {
		t.Errorf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	if skopeo, err := exec.LookPath("skopeo"); err == nil {
		plain := filepath.Join(dir, "plain.tar")
		if r := airlift(t, nil, "pack", "--images", writeList(t, src.Host+"/vendor/agent:1.2.3"), "--output-file", plain, "--no-progress"); r.code != 0 {
			t.Fatalf("pack: %s", r.stderr)
		}
		policy := filepath.Join(dir, "policy.json")
		os.WriteFile(policy, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644)
		out, err := exec.Command(skopeo, "--policy", policy, "inspect", "--raw", "oci-archive:"+plain+":"+src.Host+"/vendor/agent:1.2.3").Output()
		if err != nil || !strings.Contains(string(out), imgs[0].Manifests[0].Digest.String()) {
			t.Errorf("skopeo reading the archive: %v\n%s", err, out)
		}
	} else {
		t.Log("skopeo not installed: the archive is not read by skopeo here")
	}

	vals := filepath.Join(dir, "mirror.yaml")
	r = airlift(t, nil, "unpack", archive, "--to", dst.Host+"/mirror", "--push-chart", "--output-file", vals, "--no-progress")
	if r.code != 0 || !strings.Contains(r.stderr, "check: all 2 image(s) come from") {
		t.Fatalf("unpack: exit %d\n%s", r.code, r.stderr)
	}
	for i, s := range specs {
		if got := digestOf(t, dst.Host, "mirror/"+s.Repository, s.Tag); got != imgs[i].Index.Digest.String() {
			t.Errorf("%s: %s in the target, want %s", s.Repository, got, imgs[i].Index.Digest)
		}
	}
	helm := helmBinary(t)
	home := t.TempDir()
	cmd := exec.Command(helm, "template", "x", "oci://"+dst.Host+"/mirror/charts/demo", "--version", "0.1.0", "--plain-http", "-f", prod, "-f", vals)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helm template of the pushed chart: %v\n%s", err, out)
	}
	for _, s := range specs {
		if want := dst.Host + "/mirror/" + s.Repository + ":" + s.Tag; !strings.Contains(string(out), want) {
			t.Errorf("helm renders no %s:\n%s", want, out)
		}
	}
}
