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

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
)

// TestKillAndResume kills a copy with SIGKILL in the middle, checks that
// no tag in the target points at missing content, then runs the copy
// again and checks that it transfers only the bytes that were missing.
func TestKillAndResume(t *testing.T) {
	src := testregistry.StartProcess(t)
	dstReg := testregistry.StartProcess(t)
	dst := testregistry.NewProxy(t, dstReg)
	var specs []testimage.Spec
	base := testimage.Layer(7, 2<<20)
	for i := 0; i < 8; i++ {
		specs = append(specs, testimage.Spec{Repository: "app/c" + string(rune('a'+i)), Tag: "1", Layers: 3, LayerSize: 1 << 20, Shared: [][]byte{base}, Seed: uint64(10 + i)})
	}
	imgs := pushImages(t, src.Host, specs...)
	var refs []string
	for _, s := range specs {
		refs = append(refs, src.Host+"/"+s.Repository+":1")
	}
	list := writeList(t, refs...)

	// Kill after a few uploads have completed.
	cmd, _ := slowCopy(t, dst, 40*time.Millisecond, 12, "copy", "--images", list, "--to", dst.Host, "--jobs", "2", "--no-progress")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	dst.SetFault(nil)

	// No tag points at missing content: every tag that exists is complete.
	var tagged int
	for _, s := range specs {
		if digestOf(t, dstReg.Host, s.Repository, "1") != "" {
			tagged++
			checkComplete(t, dstReg.Host, s.Repository, "1")
		}
	}
	if tagged == len(specs) {
		t.Fatalf("the kill came too late: every image was already copied")
	}

	// What is missing: every unique blob no repository of the target has
	// (a blob in another repository is mounted, not sent).
	var missing int64
	seen := map[digest.Digest]bool{}
	for _, img := range imgs {
		for _, b := range img.Blobs {
			if seen[b.Digest] {
				continue
			}
			seen[b.Digest] = true
			present := false
			for _, s := range specs {
				if code, _, _ := fetch(t, http.MethodHead, "http://"+dstReg.Host+"/v2/"+s.Repository+"/blobs/"+b.Digest.String()); code == http.StatusOK {
					present = true
					break
				}
			}
			if !present {
				missing += b.Size
			}
		}
	}

	dst.ResetCounts()
	r := airlift(t, nil, "copy", "--images", list, "--to", dst.Host, "--no-progress")
	if r.code != 0 {
		t.Fatalf("re-run: exit %d\n%s", r.code, r.stderr)
	}
	for i, s := range specs {
		if got := digestOf(t, dstReg.Host, s.Repository, "1"); got != imgs[i].Index.Digest.String() {
			t.Errorf("%s: %s, want %s", s.Repository, got, imgs[i].Index.Digest)
		}
		checkComplete(t, dstReg.Host, s.Repository, "1")
	}
	sent := dst.UploadedBytes()
	t.Logf("killed with %d of %d images tagged; re-run sent %d bytes, %d were missing", tagged, len(specs), sent, missing)
	if sent != missing {
		t.Errorf("re-run sent %d bytes, but only %d were missing", sent, missing)
	}
}

// countRequests counts the requests the proxy answered with status whose
// method is method and whose path holds part.
func countRequests(p *testregistry.Proxy, method, part string, status int) int {
	n := 0
	for _, r := range p.Requests() {
		if r.Method == method && strings.Contains(r.Path, part) && r.Status == status {
			n++
		}
	}
	return n
}

func completedUploads(p *testregistry.Proxy) int {
	return countRequests(p, http.MethodPut, "/blobs/uploads/", http.StatusCreated)
}

// slowCopy starts airlift with args against dst, whose blob uploads each
// take delay longer, and returns once uploads blob uploads are complete:
// the copy is then in the middle of its work. Its stderr is collected.
func slowCopy(t *testing.T, dst *testregistry.Proxy, delay time.Duration, uploads int, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	dst.SetFault(func(r *http.Request, n int) testregistry.Action {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") {
			time.Sleep(delay)
		}
		return testregistry.Forward
	})
	cmd, errOut := startAirlift(t, args...)
	deadline := time.Now().Add(30 * time.Second)
	for completedUploads(dst) < uploads {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the copy did not progress: %s", errOut)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cmd, errOut
}

// startAirlift starts airlift with args in a home of its own and returns
// the running command and its stderr.
func startAirlift(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(airliftBin, args...)
	cmd.Env = []string{"HOME=" + home, "DOCKER_CONFIG=" + filepath.Join(home, ".docker"), "PATH=" + os.Getenv("PATH")}
	errOut := &bytes.Buffer{}
	cmd.Stderr = errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, errOut
}
