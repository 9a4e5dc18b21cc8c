package e2e

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
)

// startServe runs `airlift serve` and returns its address once it
// listens; the process gets SIGINT when the test ends and must exit 0.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(airliftBin, append([]string{"serve", "--addr", addr}, args...)...)
	home := t.TempDir()
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stderr).ReadString('\n')
	if err != nil || !strings.Contains(line, "serving ") {
		t.Fatalf("serve: %v %q", err, line)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve after Ctrl-C: %v", err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Error("serve did not stop on Ctrl-C")
		}
	})
	return addr
}

// TestServe: an archive served in place by `airlift serve` is pulled by
// skopeo by tag and by digest, with basic auth and without, and the chart
// in it is rendered by the real helm from there.
func TestServe(t *testing.T) {
	t.Parallel()
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("skopeo not installed (.ci/run installs it)")
	}
	src := testregistry.StartProcess(t)
	imgs := pushImages(t, src.Host, testimage.Spec{Repository: "vendor/agent", Tag: "1.2.3", Seed: 81})
	dir := t.TempDir()
	chartDir := filepath.Join(dir, "demo")
	os.MkdirAll(filepath.Join(chartDir, "templates"), 0o755)
	os.WriteFile(filepath.Join(chartDir, "Chart.yaml"), []byte("apiVersion: v2\nname: demo\nversion: 0.1.0\n"), 0o644)
	os.WriteFile(filepath.Join(chartDir, "templates", "p.yaml"), []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: \""+src.Host+"/vendor/agent:1.2.3\"}]}\n"), 0o644)
	archive := filepath.Join(dir, "site.tar")
	if r := airlift(t, nil, "pack", chartDir, "--output-file", archive, "--no-progress"); r.code != 0 {
		t.Fatalf("pack: %s", r.stderr)
	}
	policy := filepath.Join(dir, "policy.json")
	os.WriteFile(policy, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644)
	served := strings.ReplaceAll(src.Host, ":", "_") + "/vendor/agent"
	index := imgs[0].Index.Digest.String()
	inspect := func(addr, ref string, creds ...string) (string, error) {
		args := append([]string{"--policy", policy, "inspect", "--raw", "--tls-verify=false"}, creds...)
		out, err := exec.Command(skopeo, append(args, "docker://"+addr+"/"+ref)...).CombinedOutput()
		return string(out), err
	}

	addr := startServe(t, archive)
	for _, ref := range []string{served + ":1.2.3", served + "@" + index} {
		if out, err := inspect(addr, ref); err != nil || !strings.Contains(out, imgs[0].Manifests[0].Digest.String()) {
			t.Errorf("skopeo inspect %s: %v\n%s", ref, err, out)
		}
	}
	helm := helmBinary(t)
	home := t.TempDir()
	cmd := exec.Command(helm, "template", "x", "oci://"+addr+"/charts/demo", "--version", "0.1.0", "--plain-http")
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "vendor/agent:1.2.3") {
		t.Errorf("helm template from airlift serve: %v\n%s", err, out)
	}

	hash, _ := bcrypt.GenerateFromPassword([]byte("pull-s3cret"), bcrypt.MinCost)
	htpasswd := filepath.Join(dir, "htpasswd")
	os.WriteFile(htpasswd, []byte("site:"+string(hash)+"\n"), 0o600)
	authed := startServe(t, archive, "--htpasswd", htpasswd)
	if out, err := inspect(authed, served+":1.2.3"); err == nil {
		t.Errorf("skopeo without credentials was let in:\n%s", out)
	}
	if out, err := inspect(authed, served+":1.2.3", "--creds", "site:pull-s3cret"); err != nil {
		t.Errorf("skopeo with credentials: %v\n%s", err, out)
	}
}
