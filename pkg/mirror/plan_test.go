package mirror

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// TestPlan: one source request and one target request per image, nothing
// written.
func TestPlan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	copied := pushImage(t, e.src, "plan/copied", "1", twoPlatforms(90))
	fresh := pushImage(t, e.src, "plan/fresh", "1", twoPlatforms(91))
	images := []reference.Pair{e.to(copied, "plan/copied", "1"), e.to(fresh, "plan/fresh", "1")}
	if r := mustCopy(t, images[:1], e.options())[0]; r.Status != Copied {
		t.Fatalf("setup copy: %v", r.Err)
	}
	missing := images[1]
	missing.Source.Tag = "nope"

	tests := []struct {
		name      string
		images    []reference.Pair
		platforms []string
		want      []Status
		filtered  bool
		absent    bool // every target repository is known not to exist
	}{
		{name: "present and to copy", images: images, want: []Status{Present, Copied}},
		{name: "filtered", images: images, platforms: []string{"linux/arm64"}, want: []Status{Copied, Copied}, filtered: true},
		{name: "missing source", images: []reference.Pair{missing}, want: []Status{Failed}},
		// A project to be created: its repositories are not looked up
		// (Harbor would refuse), so the copied one is "would copy" too.
		{name: "absent targets", images: images, want: []Status{Copied, Copied}, absent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.src.rec.reset()
			e.dst.rec.reset()
			opts := e.options()
			opts.Platforms = tt.platforms
			opts.Prepare = func(context.Context, string, string) error { return errors.New("Plan must not prepare") }
			if tt.absent {
				opts.Absent = func(string, string) bool { return true }
			}
			res, err := Plan(context.Background(), tt.images, opts)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Status != tt.want[i] || r.Filtered != (tt.filtered && r.Status != Failed) {
					t.Errorf("image %d: status %v filtered %v (err %v), want %v", i, r.Status, r.Filtered, r.Err, tt.want[i])
				}
				if r.Status == Failed {
					t.Logf("image %d: %v", i, r.Err)
					continue
				}
				if r.Filtered == (r.TargetDigest == r.SourceDigest) {
					t.Errorf("image %d: filtered %v but digests %s -> %s", i, r.Filtered, r.SourceDigest, r.TargetDigest)
				}
			}
			for _, side := range []*testRegistry{e.src, e.dst} {
				reqs := side.rec.requests(nil)
				want := len(tt.images)
				if side == e.dst && tt.absent {
					want = 0
				}
				if len(reqs) != want {
					t.Errorf("%d requests for %d images, want %d: %v", len(reqs), len(tt.images), want, reqs)
				}
				for _, q := range reqs {
					if q.method != http.MethodHead && q.method != http.MethodGet {
						t.Errorf("Plan wrote: %v", q)
					}
				}
			}
		})
	}
}
