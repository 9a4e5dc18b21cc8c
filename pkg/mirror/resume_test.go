package mirror

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// TestCopyInterrupted: a copy that stops half-way leaves no tag pointing at
// missing content, and a re-run uploads only what is missing.
func TestCopyInterrupted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cancel bool // cancel the context instead of failing the target
	}{
		{name: "target fails after 3 uploads"},
		{name: "context cancelled after 3 uploads", cancel: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var images []reference.Pair
			var fixtures []fixture
			for i := range 2 {
				f := pushImage(t, e.src, fmt.Sprintf("int/%d", i), "1", twoPlatforms(uint64(60+i)))
				fixtures = append(fixtures, f)
				images = append(images, e.to(f, fmt.Sprintf("int/%d", i), "1"))
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var puts atomic.Int64
			e.dst.rec.setFault(func(w http.ResponseWriter, r *http.Request) bool {
				isPut := request{r.Method, r.URL.Path, r.URL.RawQuery}.isBlobUploadPut()
				if tt.cancel {
					if isPut && puts.Add(1) == 3 {
						e.dst.rec.next.ServeHTTP(w, r)
						cancel()
						return true
					}
					return false
				}
				if (isPut && puts.Add(1) > 3) || puts.Load() > 3 {
					http.Error(w, "injected", http.StatusInternalServerError)
					return true
				}
				return false
			})
			opts := e.options()
			opts.Jobs = 2
			res, err := Copy(ctx, images, opts)
			if err != nil {
				t.Fatal(err)
			}
			e.dst.rec.setFault(nil)
			for _, r := range res {
				if r.Status != Failed {
					t.Fatalf("interrupted copy: %v", r.Status)
				}
				if tt.cancel && !errors.Is(r.Err, context.Canceled) {
					t.Errorf("error %v, want context.Canceled", r.Err)
				}
				t.Logf("interrupted: %v", r.Err)
			}
			present := 0
			for i, f := range fixtures {
				if _, ok := getManifest(t, e.dst, images[i].Target.Repository, "1"); ok {
					t.Fatalf("tag %s exists after an interrupted copy", images[i].Target)
				}
				for _, b := range f.Blobs {
					if hasBlob(t, e.dst, images[i].Target.Repository, b.Digest) {
						present++
					}
				}
			}

			e.dst.rec.reset()
			res = mustCopy(t, images, opts)
			uploaded := 0
			for i, r := range res {
				if r.Status != Copied || r.TargetDigest != fixtures[i].Index.Digest {
					t.Fatalf("re-run: %v %v", r.Status, r.Err)
				}
				checkCopied(t, e.dst, images[i].Target.Repository, "1", fixtures[i])
				uploaded += r.Blobs
			}
			total := len(fixtures[0].Blobs) + len(fixtures[1].Blobs)
			nPuts := e.dst.rec.count(request.isBlobUploadPut)
			t.Logf("%d of %d blobs were there after the interruption; the re-run uploaded %d (%d PUTs)", present, total, uploaded, nPuts)
			if nPuts != total-present || uploaded != nPuts {
				t.Errorf("re-run: %d PUTs, results say %d uploads, want %d", nPuts, uploaded, total-present)
			}
		})
	}
}

// truncatingWriter sends the first n bytes of a response body, then drops
// the connection.
type truncatingWriter struct {
	http.ResponseWriter
	n int
}

func (w *truncatingWriter) Write(b []byte) (int, error) {
	if len(b) <= w.n {
		w.n -= len(b)
		return w.ResponseWriter.Write(b)
	}
	_, _ = w.ResponseWriter.Write(b[:w.n])
	w.ResponseWriter.(http.Flusher).Flush()
	panic(http.ErrAbortHandler)
}

// TestCopyRetry: blob copies are retried as a whole (source GET + target
// PUT): every first upload PUT fails with 503 after part of its body, and one
// source GET is cut short.
func TestCopyRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		retry    func(attempt int, err error) (time.Duration, bool)
		faultAll bool // faults on both images' blobs, else on image 0's only
	}{
		{name: "retried", retry: func(attempt int, _ error) (time.Duration, bool) { return time.Millisecond, attempt < 3 }, faultAll: true},
		{name: "no Retry: the image fails, the other completes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var images []reference.Pair
			var fixtures []fixture
			faulty := map[digest.Digest]bool{}
			for i := range 2 {
				f := pushImage(t, e.src, fmt.Sprintf("retry/%d", i), "1", twoPlatforms(uint64(80+i)))
				fixtures = append(fixtures, f)
				images = append(images, e.to(f, fmt.Sprintf("retry/%d", i), "1"))
				for _, b := range f.Blobs {
					faulty[b.Digest] = tt.faultAll || i == 0
				}
			}
			truncated := fixtures[0].Blobs[1].Digest
			var mu sync.Mutex
			failed := map[digest.Digest]bool{}
			once := func(d digest.Digest) bool { // true the first time d is seen
				mu.Lock()
				defer mu.Unlock()
				seen := failed[d]
				failed[d] = true
				return !seen && faulty[d]
			}
			e.dst.rec.setFault(func(w http.ResponseWriter, r *http.Request) bool {
				q := request{r.Method, r.URL.Path, r.URL.RawQuery}
				if !q.isBlobUploadPut() || !once(digest.Digest(r.URL.Query().Get("digest"))) {
					return false
				}
				_, _ = io.CopyN(io.Discard, r.Body, 1024)
				http.Error(w, "injected", http.StatusServiceUnavailable)
				return true
			})
			var truncations atomic.Int64
			e.src.rec.setFault(func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/"+truncated.String()) || truncations.Add(1) > 1 {
					return false
				}
				e.src.rec.next.ServeHTTP(&truncatingWriter{ResponseWriter: w, n: 1000}, r)
				return true
			})

			var retries atomic.Int64
			opts := e.options()
			opts.Retry = tt.retry
			opts.Events = func(ev Event) {
				if ev.Kind == Retry {
					retries.Add(1)
				}
			}
			res := mustCopy(t, images, opts)
			for i, r := range res {
				if !faulty[fixtures[i].Blobs[0].Digest] || tt.retry != nil {
					if r.Status != Copied {
						t.Fatalf("image %d: %v %v", i, r.Status, r.Err)
					}
					checkCopied(t, e.dst, images[i].Target.Repository, "1", fixtures[i])
					checkBlobContent(t, e.dst, images[i].Target.Repository, fixtures[i])
					continue
				}
				msg := fmt.Sprint(r.Err)
				t.Logf("image %d: %s", i, msg)
				if r.Status != Failed || !strings.HasPrefix(msg, "copying ") || strings.Contains(msg, "\n") ||
					!(strings.Contains(msg, "pushing blob sha256:") || strings.Contains(msg, "reading blob sha256:")) {
					t.Errorf("image %d: status %v, error %q", i, r.Status, msg)
				}
				if _, ok := getManifest(t, e.dst, images[i].Target.Repository, "1"); ok {
					t.Errorf("image %d: tag exists after a failed copy", i)
				}
			}
			t.Logf("%d retries, %d truncated source GETs", retries.Load(), min(truncations.Load(), 1))
			if tt.retry != nil && retries.Load() < int64(len(failed)) {
				t.Errorf("%d retries for %d faulty uploads", retries.Load(), len(failed))
			}
		})
	}
}

// checkBlobContent downloads every blob of f from the target and hashes it.
func checkBlobContent(t *testing.T, r *testRegistry, repoName string, f fixture) {
	t.Helper()
	for _, b := range f.Blobs {
		resp, err := http.Get("http://" + r.host + "/v2/" + repoName + "/blobs/" + b.Digest.String())
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		_, err = io.Copy(h, resp.Body)
		resp.Body.Close()
		if err != nil || digest.NewDigestFromBytes(digest.SHA256, h.Sum(nil)) != b.Digest {
			t.Errorf("blob %s in the target does not verify (%v)", b.Digest, err)
		}
	}
}

// TestCopyMountsFromUntaggedManifests: a run interrupted before an image's
// tag leaves its platform manifests in the target by digest. The next run
// finds them present and does not walk below them; their layers must still
// be mount sources for the other images of the run, not uploaded again.
func TestCopyMountsFromUntaggedManifests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	shared := testimage.Layer(900, 64<<10)
	fa := pushImage(t, e.src, "src/a", "1", twoPlatforms(91, shared))
	fb := pushImage(t, e.src, "src/b", "1", twoPlatforms(92, shared))
	images := []reference.Pair{e.to(fa, "a", "1"), e.to(fb, "b", "1")}

	// The first run copies a, but its tag push fails: everything below the
	// tag is there.
	e.dst.rec.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/a/manifests/1") {
			http.Error(w, "injected", http.StatusInternalServerError)
			return true
		}
		return false
	})
	opts := e.options()
	opts.Jobs = 1
	if res, err := Copy(context.Background(), images[:1], opts); err != nil || res[0].Status != Failed {
		t.Fatalf("first run: %v %v", res, err)
	}
	e.dst.rec.setFault(nil)
	e.dst.rec.reset()

	res := mustCopy(t, images, opts)
	for i, r := range res {
		if r.Status != Copied {
			t.Fatalf("%s: %v %v", images[i].Target, r.Status, r.Err)
		}
	}
	checkCopied(t, e.dst, "b", "1", fb)
	uploads := e.dst.rec.count(func(q request) bool { return q.isBlobUploadPut() && q.about(digest.FromBytes(shared)) })
	t.Logf("re-run: shared layer uploaded %d times; b mounted %d blobs", uploads, res[1].Mounted)
	if uploads != 0 || res[1].Mounted != 1 {
		t.Errorf("the shared layer, in a since the first run, was uploaded %d times and mounted %d times into b; want a mount", uploads, res[1].Mounted)
	}
}
