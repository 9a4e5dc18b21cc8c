package e2e

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
)

// TestInterrupt: Ctrl-C (SIGINT) in the middle of a copy is not a
// failure: airlift stops, says what it did, exits 130, and the next run
// finishes the job.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	src := testregistry.StartProcess(t)
	dstReg := testregistry.StartProcess(t)
	dst := testregistry.NewProxy(t, dstReg)
	var specs []testimage.Spec
	for i := 0; i < 6; i++ {
		specs = append(specs, testimage.Spec{Repository: "app/i" + string(rune('a'+i)), Tag: "1", Layers: 3, LayerSize: 1 << 20, Seed: uint64(40 + i)})
	}
	pushImages(t, src.Host, specs...)
	var refs []string
	for _, s := range specs {
		refs = append(refs, src.Host+"/"+s.Repository+":1")
	}
	list := writeList(t, refs...)
	dst.SetFault(func(r *http.Request, n int) testregistry.Action {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") {
			time.Sleep(50 * time.Millisecond)
		}
		return testregistry.Forward
	})
	home := t.TempDir()
	cmd := exec.Command(airliftBin, "copy", "--images", list, "--to", dst.Host, "--jobs", "2")
	cmd.Env = []string{"HOME=" + home, "DOCKER_CONFIG=" + filepath.Join(home, ".docker"), "PATH=" + os.Getenv("PATH")}
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for completedUploads(dst) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("copy did not progress: %s", errOut.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130\n%s", err, errOut.String())
	}
	out := errOut.String()
	t.Logf("stderr:\n%s", out)
	if !strings.Contains(out, "interrupted: ") || !strings.Contains(out, "not finished (run the copy again to finish)") {
		t.Errorf("no summary of what was done:\n%s", out)
	}
	for _, bad := range []string{"failed ", "context canceled", "signal received"} {
		if strings.Contains(out, bad) {
			t.Errorf("an interrupt reported as a failure (%q):\n%s", bad, out)
		}
	}
	dst.SetFault(nil)
	r := airlift(t, nil, "copy", "--images", list, "--to", dst.Host, "--no-progress")
	if r.code != 0 || !strings.Contains(r.stderr, "0 failed") {
		t.Fatalf("re-run: exit %d\n%s", r.code, r.stderr)
	}
}
