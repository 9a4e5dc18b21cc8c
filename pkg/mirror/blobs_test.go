package mirror

import (
	"fmt"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// TestCopyMountsSharedBlobs: a layer shared by images copied into different
// repositories of the target is uploaded once and mounted into the others.
func TestCopyMountsSharedBlobs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		repos []string // target repository of each image
		jobs  int
	}{
		{name: "two repositories", repos: []string{"team-a/x", "team-b/y"}, jobs: 8},
		{name: "three repositories, one job", repos: []string{"r1", "r2", "r3"}, jobs: 1},
		{name: "same repository twice", repos: []string{"same", "same"}, jobs: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			shared := testimage.Layer(500, 64<<10)
			var images []reference.Pair
			for i, repo := range tt.repos {
				f := pushImage(t, e.src, fmt.Sprintf("src/img%d", i), "1", twoPlatforms(uint64(20+i), shared))
				images = append(images, e.to(f, repo, fmt.Sprintf("t%d", i)))
			}
			opts := e.options()
			opts.Jobs = tt.jobs
			res := mustCopy(t, images, opts)

			var mounted, skipped int
			for _, r := range res {
				if r.Status != Copied {
					t.Fatalf("%v: %v", r.Status, r.Err)
				}
				mounted += r.Mounted
				skipped += r.Skipped
			}
			uploads := e.dst.rec.count(func(q request) bool {
				return q.isBlobUploadPut() && q.about(digest.FromBytes(shared))
			})
			mounts := e.dst.rec.count(func(q request) bool {
				return q.isMount() && q.about(digest.FromBytes(shared))
			})
			repos := map[string]bool{}
			for _, r := range tt.repos {
				repos[r] = true
			}
			t.Logf("shared layer: %d upload(s), %d mount(s); results: %d mounted, %d skipped", uploads, mounts, mounted, skipped)
			if uploads != 1 || mounts != len(repos)-1 || mounted != len(repos)-1 {
				t.Errorf("shared layer uploaded %d times and mounted %d times (results say %d), want 1 and %d",
					uploads, mounts, mounted, len(repos)-1)
			}
			if want := len(tt.repos) - len(repos); skipped != want {
				t.Errorf("skipped %d, want %d (an image into a repository that already got the layer in this run)", skipped, want)
			}
			for _, r := range tt.repos {
				if !hasBlob(t, e.dst, r, digest.FromBytes(shared)) {
					t.Errorf("shared layer missing in %s", r)
				}
			}
		})
	}
}

// TestCopyJobsBound: Jobs bounds concurrent blob transfers across images.
func TestCopyJobsBound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		jobs int
	}{
		{"one", 1},
		{"two", 2},
		{"four", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var images []reference.Pair
			for i := range 4 {
				f := pushImage(t, e.src, fmt.Sprintf("bound/%d", i), "1", twoPlatforms(uint64(40+i)))
				images = append(images, e.to(f, fmt.Sprintf("bound/%d", i), "1"))
			}
			e.src.rec.reset()
			e.dst.rec.setDelay(3 * time.Millisecond) // make transfers overlap
			e.src.rec.setDelay(3 * time.Millisecond)
			opts := e.options()
			opts.Jobs = tt.jobs
			for _, r := range mustCopy(t, images, opts) {
				if r.Status != Copied {
					t.Fatalf("%v: %v", r.Status, r.Err)
				}
			}
			dst, src := e.dst.rec.maxTransfers.Load(), e.src.rec.maxTransfers.Load()
			t.Logf("Jobs=%d: at most %d concurrent uploads at the target, %d concurrent blob GETs at the source", tt.jobs, dst, src)
			if dst > int64(tt.jobs) || src > int64(tt.jobs) {
				t.Errorf("saw %d / %d concurrent transfers, bound %d", dst, src, tt.jobs)
			}
			if dst < int64(min(tt.jobs, 2)) {
				t.Errorf("saw at most %d concurrent uploads with Jobs=%d: transfers do not overlap", dst, tt.jobs)
			}
		})
	}
}

func TestBlobTrackerSettleFailure(t *testing.T) {
	t.Parallel()
	var tr blobTracker
	key := "reg@" + digest.FromString("x").String()
	if _, _, own := tr.claim(key); !own {
		t.Fatal("first claim does not own")
	}
	_, wait, own := tr.claim(key)
	if own || wait == nil {
		t.Fatal("second claim must wait")
	}
	tr.settle(key, "repo", fmt.Errorf("boom"))
	<-wait
	if _, _, own := tr.claim(key); !own {
		t.Fatal("after a failure the next claim owns")
	}
	tr.settle(key, "repo2", nil)
	if from, _, _ := tr.claim(key); from != "repo2" {
		t.Fatalf("mount from %q, want repo2", from)
	}
}
