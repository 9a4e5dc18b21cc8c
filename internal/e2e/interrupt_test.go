package e2e

import (
	"os/exec"
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
	cmd, errOut := slowCopy(t, dst, 50*time.Millisecond, 4, "copy", "--images", list, "--to", dst.Host, "--jobs", "2")
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
