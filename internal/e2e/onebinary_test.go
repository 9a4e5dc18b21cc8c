package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneBinary: airlift is one file. Copied alone into an empty directory,
// with nothing else on PATH, it renders a chart (values from stdin
// included), and a chart that does not exist is one line and exit 1.
func TestOneBinary(t *testing.T) {
	alone := filepath.Join(t.TempDir(), "airlift")
	b, err := os.ReadFile(airliftBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, b, 0o755); err != nil {
		t.Fatal(err)
	}
	chart, err := filepath.Abs(filepath.Join("..", "..", "examples", "platform"))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + t.TempDir(), "PATH=" + t.TempDir()}

	cmd := exec.Command(alone, "images", chart, "-f", "-")
	cmd.Env = env
	cmd.Stdin = strings.NewReader("global:\n  imageRegistry: registry.internal:5000\n")
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "registry.internal:5000/") {
		t.Errorf("images with values from stdin: %v\n%s", err, out)
	}

	cmd = exec.Command(alone, "images", filepath.Join(t.TempDir(), "missing"))
	cmd.Env = env
	out, err = cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || strings.Count(string(out), "\n") != 1 {
		t.Errorf("missing chart: %v %q, want exit 1 and one line", err, out)
	}
}
