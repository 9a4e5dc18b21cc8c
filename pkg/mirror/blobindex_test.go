package mirror

import (
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// memIndex is a BlobIndex in memory.
type memIndex struct {
	mu sync.Mutex
	m  map[string]string
}

func (x *memIndex) Lookup(registry string, d digest.Digest) (string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	r, ok := x.m[registry+"@"+d.String()]
	return r, ok
}

func (x *memIndex) Record(registry, repository string, d digest.Digest) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.m[registry+"@"+d.String()] = repository
}

// TestBlobIndexAcrossRuns: a second run copying the same image under
// another prefix mounts every blob from where the first run put it, with
// the index; without it, it sends them all again.
func TestBlobIndexAcrossRuns(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		index     bool
		wantBytes bool // the second run sends blob bytes
	}{
		{name: "without an index", wantBytes: true},
		{name: "with an index", index: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			f := pushImage(t, e.src, "team/app", "v1", twoPlatforms(7))
			opts := e.options()
			if tt.index {
				opts.Blobs = &memIndex{m: map[string]string{}}
			}
			first := mustCopy(t, []reference.Pair{e.to(f, "2026-10/team/app", "v1")}, opts)
			if first[0].Err != nil || first[0].Bytes == 0 {
				t.Fatalf("first run: %+v", first[0])
			}
			// A new run: nothing learnt in the first survives but the index.
			second := mustCopy(t, []reference.Pair{e.to(f, "2026-11/team/app", "v1")}, opts)
			r := second[0]
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if sent := r.Bytes > 0; sent != tt.wantBytes {
				t.Errorf("second run sent %d bytes in %d blobs, %d mounted", r.Bytes, r.Blobs, r.Mounted)
			}
			if tt.index && r.Mounted != len(f.Blobs) {
				t.Errorf("second run mounted %d blobs, want all %d", r.Mounted, len(f.Blobs))
			}
			checkCopied(t, e.dst, "2026-11/team/app", "v1", f)
		})
	}
}
