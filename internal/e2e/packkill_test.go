package e2e

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
)

// TestPackKillAndResume kills a pack with SIGKILL while it fetches blobs
// (a second pack of the same archive, started meanwhile, is refused and
// names the first), checks that nothing that looks like an archive is
// left, then packs again: only the blobs the killed pack had not journaled
// are fetched, and the archive has the bytes of a fresh pack.
func TestPackKillAndResume(t *testing.T) {
	src := testregistry.StartProcess(t)
	proxy := testregistry.NewProxy(t, src)
	base := testimage.Layer(17, 2<<20)
	var specs []testimage.Spec
	for i := range 6 {
		specs = append(specs, testimage.Spec{Repository: "app/p" + string(rune('a'+i)), Tag: "1", Layers: 3, LayerSize: 1 << 20, Shared: [][]byte{base}, Seed: uint64(40 + i)})
	}
	imgs := pushImages(t, src.Host, specs...)
	var refs []string
	for _, s := range specs {
		refs = append(refs, proxy.Host+"/"+s.Repository+":1")
	}
	list := writeList(t, refs...)
	dir := t.TempDir()
	archive := filepath.Join(dir, "site.tar")

	proxy.SetFault(func(r *http.Request, _ int) testregistry.Action {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
			time.Sleep(60 * time.Millisecond)
		}
		return testregistry.Forward
	})
	cmd, errOut := startAirlift(t, "pack", "--images", list, "--output-file", archive, "--jobs", "2", "--no-progress")
	deadline := time.Now().Add(30 * time.Second)
	for blobGets(proxy) < 6 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the pack did not progress: %s", errOut.String())
		}
		time.Sleep(5 * time.Millisecond)
	}

	second := airlift(t, nil, "pack", "--images", list, "--output-file", archive, "--no-progress")
	want := fmt.Sprintf("another airlift pack is writing it (pid %d)", cmd.Process.Pid)
	if second.code == 0 || !strings.Contains(second.stderr, want) || strings.Count(strings.TrimSpace(second.stderr), "\n") > 0 {
		t.Errorf("a second pack of the same archive: exit %d, stderr %q; want one line with %q", second.code, second.stderr, want)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	proxy.SetFault(nil)
	if _, err := os.Stat(archive); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an archive is there after the kill: %v", err)
	}
	journaled := readDone(t, filepath.Join(archive+".work", "done"))

	// What the next pack must fetch: every image blob not journaled.
	var missing int
	seen := map[digest.Digest]bool{}
	for _, img := range imgs {
		for _, b := range img.Blobs {
			if !seen[b.Digest] {
				seen[b.Digest] = true
				if !journaled[b.Digest] {
					missing++
				}
			}
		}
	}
	proxy.ResetCounts()
	if r := airlift(t, nil, "pack", "--images", list, "--output-file", archive, "--no-progress"); r.code != 0 {
		t.Fatalf("pack after the kill: exit %d\n%s", r.code, r.stderr)
	}
	fetched := blobGets(proxy)
	t.Logf("killed with %d of %d blobs journaled; the next pack fetched %d, %d were missing", len(seen)-missing, len(seen), fetched, missing)
	if fetched != missing || missing == len(seen) {
		t.Errorf("the next pack fetched %d blobs, want %d (of %d; a kill that came before any blob was journaled proves nothing)", fetched, missing, len(seen))
	}
	if _, err := os.Stat(archive + ".work"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("work directory left: %v", err)
	}
	fresh := filepath.Join(dir, "fresh.tar")
	if r := airlift(t, nil, "pack", "--images", list, "--output-file", fresh, "--no-progress"); r.code != 0 {
		t.Fatalf("fresh pack: %s", r.stderr)
	}
	if a, b := fileSum(t, archive), fileSum(t, fresh); a != b {
		t.Errorf("the resumed archive differs from a fresh pack: %s, %s", a, b)
	}
}

// blobGets counts the blob downloads the proxy answered with 200.
func blobGets(p *testregistry.Proxy) int {
	return countRequests(p, http.MethodGet, "/blobs/", http.StatusOK)
}

// readDone reads the digests of a pack's journal (digest offset size).
func readDone(t *testing.T, path string) map[digest.Digest]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("the killed pack left no journal: %v", err)
	}
	defer f.Close()
	out := map[digest.Digest]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 3 {
			out[digest.Digest(fields[0])] = true
		}
	}
	return out
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}
