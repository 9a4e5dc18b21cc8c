package e2e

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLightBinary: airlift itself links neither Helm nor the Kubernetes
// libraries (their package init is what made a no-op copy start slower
// than the peers); airlift-charts does.
func TestLightBinary(t *testing.T) {
	for _, tt := range []struct {
		bin  string
		helm bool
	}{{"airlift", false}, {"airlift-charts", true}} {
		info, err := buildinfo.ReadFile(filepath.Join(filepath.Dir(airliftBin), tt.bin))
		if err != nil {
			t.Fatal(err)
		}
		var heavy []string
		for _, d := range info.Deps {
			if strings.HasPrefix(d.Path, "helm.sh/") || strings.HasPrefix(d.Path, "k8s.io/") {
				heavy = append(heavy, d.Path)
			}
		}
		if got := len(heavy) > 0; got != tt.helm {
			t.Errorf("%s links Helm or Kubernetes modules: %v, want %v (%s)", tt.bin, got, tt.helm, strings.Join(heavy, " "))
		}
	}
}

// TestDelegation: a command that needs a chart, given to airlift, is run by
// airlift-charts with the same streams and exit code; without
// airlift-charts it is one clear line.
func TestDelegation(t *testing.T) {
	chart := filepath.Join("..", "..", "examples", "platform")
	r := airlift(t, nil, "images", chart)
	if r.code != 0 || !strings.Contains(r.stdout, "docker.io/") {
		t.Fatalf("images via airlift-charts: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	direct, err := exec.Command(filepath.Join(filepath.Dir(airliftBin), "airlift-charts"), "images", chart).Output()
	if err != nil || string(direct) != r.stdout {
		t.Errorf("airlift-charts directly: %v\n%s\nvia airlift:\n%s", err, direct, r.stdout)
	}
	// Values from stdin reach the chart: the stream is handed over unread.
	cmd := exec.Command(airliftBin, "images", chart, "-f", "-")
	cmd.Stdin = strings.NewReader("global:\n  imageRegistry: registry.internal:5000\n")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "registry.internal:5000/") {
		t.Errorf("values from stdin: %v\n%s", err, out)
	}
	// The exit code and the one-line error are airlift-charts'.
	r = airlift(t, nil, "images", filepath.Join(t.TempDir(), "missing"))
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("missing chart: exit %d, stderr %q", r.code, r.stderr)
	}

	// airlift alone: a clear line, exit 1; the rest still works.
	alone := filepath.Join(t.TempDir(), "airlift")
	b, err := os.ReadFile(airliftBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(alone, "images", chart)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
	out, err = cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || strings.Count(string(out), "\n") != 1 ||
		!strings.Contains(string(out), "needs airlift-charts") {
		t.Errorf("without airlift-charts: %v %q", err, out)
	}
	cmd = exec.Command(alone, "version")
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("version without airlift-charts: %v %s", err, out)
	}
}
