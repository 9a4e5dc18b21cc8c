package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// env is a source and a target registry.
type env struct{ src, dst *testRegistry }

func newEnv(t testing.TB) *env {
	return &env{src: newRegistry(t, ""), dst: newRegistry(t, "")}
}

func (e *env) options() Options {
	return Options{Repository: repositoryFunc(e.src, e.dst)}
}

// to returns the Image copying f to repo:tag of the target.
func (e *env) to(f fixture, repoName, tag string) reference.Pair {
	return reference.Pair{Source: f.ref, Target: reference.Reference{Registry: e.dst.host, Repository: repoName, Tag: tag}}
}

// twoPlatforms is the default synthetic image: linux/amd64 and linux/arm64,
// a config and 2 small layers each.
func twoPlatforms(seed uint64, shared ...[]byte) testimage.Spec {
	return testimage.Spec{Platforms: []string{"linux/amd64", "linux/arm64"}, Layers: 2, LayerSize: 32 << 10, Shared: shared, Seed: seed}
}

func mustCopy(t *testing.T, images []reference.Pair, opts Options) []Result {
	t.Helper()
	res, err := Copy(context.Background(), images, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func uniqueBytes(blobs []ocispec.Descriptor) (n int, size int64) {
	seen := map[digest.Digest]bool{}
	for _, b := range blobs {
		if !seen[b.Digest] {
			seen[b.Digest] = true
			n++
			size += b.Size
		}
	}
	return n, size
}

// checkCopied checks, with plain HTTP requests, that the target has f's
// index under repo:tag and every manifest and blob byte for byte.
func checkCopied(t *testing.T, dst *testRegistry, repoName, tag string, f fixture) {
	t.Helper()
	body, ok := getManifest(t, dst, repoName, tag)
	if !ok || digest.FromBytes(body) != f.Index.Digest {
		t.Fatalf("target %s:%s: found=%v, bytes differ from the source index", repoName, tag, ok)
	}
	for _, m := range f.Manifests {
		body, ok := getManifest(t, dst, repoName, m.Digest.String())
		if !ok || digest.FromBytes(body) != m.Digest {
			t.Errorf("target manifest %s: found=%v, bytes differ", m.Digest, ok)
		}
	}
	for _, b := range f.Blobs {
		if !hasBlob(t, dst, repoName, b.Digest) {
			t.Errorf("target blob %s missing", b.Digest)
		}
	}
}

func TestCopyMultiArch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		docker bool // a Docker manifest list instead of an OCI index
	}{
		{"oci index", false},
		{"docker manifest list", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			spec := twoPlatforms(1, testimage.Layer(99, 50<<10))
			spec.Docker = tt.docker
			f := pushImage(t, e.src, "app/one", "1.0", spec)

			var (
				mu     sync.Mutex
				events []Event
			)
			opts := e.options()
			opts.Events = func(ev Event) {
				mu.Lock()
				defer mu.Unlock()
				events = append(events, ev)
			}
			res := mustCopy(t, []reference.Pair{e.to(f, "mirror/app/one", "1.0")}, opts)[0]

			n, size := uniqueBytes(f.Blobs)
			want := Result{Image: res.Image, Status: Copied, SourceDigest: f.Index.Digest, TargetDigest: f.Index.Digest,
				Bytes: size, Blobs: n}
			if res != want {
				t.Fatalf("result\n got %+v\nwant %+v", res, want)
			}
			checkCopied(t, e.dst, "mirror/app/one", "1.0", f)
			if first, last := events[0], events[len(events)-1]; first.Kind != ImageStart || last.Kind != ImageDone || last.How != HowCopied {
				t.Errorf("events start with %v and end with %v %q", first.Kind, last.Kind, last.How)
			}
			progress := map[digest.Digest]int64{}
			for _, ev := range events {
				switch ev.Kind {
				case BlobProgress:
					progress[ev.Digest] = ev.Done
				case BlobDone:
					if ev.How != HowCopied || progress[ev.Digest] != ev.Size {
						t.Errorf("blob %s done (%s) after progress %d of %d", ev.Digest, ev.How, progress[ev.Digest], ev.Size)
					}
				}
			}
			if len(progress) != n {
				t.Errorf("progress for %d blobs, want %d", len(progress), n)
			}
		})
	}
}

func TestCopyPlatforms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		platforms []string
		docker    bool   // a Docker manifest list instead of an OCI index
		single    bool   // copy the arm64 manifest alone instead of the index
		keep      string // platform left in the target index ("" = all: not filtered)
		wantErr   error
	}{
		{name: "one of two", platforms: []string{"linux/amd64"}, keep: "linux/amd64"},
		{name: "docker manifest list", docker: true, platforms: []string{"linux/arm64"}, keep: "linux/arm64"},
		{name: "variant normalised", platforms: []string{"linux/arm64/v8"}, keep: "linux/arm64"},
		{name: "alias", platforms: []string{"Linux/x86_64"}, keep: "linux/amd64"},
		{name: "all kept: digest preserved", platforms: []string{"linux/amd64", "linux/arm64"}},
		{name: "none matches", platforms: []string{"linux/s390x"}, wantErr: ErrNoMatchingPlatform},
		{name: "single image matches", platforms: []string{"linux/arm64"}, single: true},
		{name: "single image of another platform", platforms: []string{"linux/amd64"}, single: true, wantErr: ErrNoMatchingPlatform},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			spec := twoPlatforms(2)
			if tt.docker {
				spec.Docker = true
			}
			f := pushImage(t, e.src, "app", "1", spec)
			img := e.to(f, "app", "1")
			source := f.Index
			if tt.single {
				source = f.Manifests[1]
				img.Source.Tag, img.Source.Digest = "", source.Digest.String()
			}
			opts := e.options()
			opts.Platforms = tt.platforms
			res := mustCopy(t, []reference.Pair{img}, opts)[0]
			if tt.wantErr != nil {
				if res.Status != Failed || !errors.Is(res.Err, tt.wantErr) {
					t.Fatalf("status %v err %v, want Failed with %v", res.Status, res.Err, tt.wantErr)
				}
				if _, ok := getManifest(t, e.dst, "app", "1"); ok {
					t.Fatal("target tag exists after a failed copy")
				}
				t.Logf("error: %v", res.Err)
				return
			}
			if res.Status != Copied || res.SourceDigest != source.Digest {
				t.Fatalf("status %v source digest %s err %v", res.Status, res.SourceDigest, res.Err)
			}
			body, ok := getManifest(t, e.dst, "app", "1")
			if !ok || digest.FromBytes(body) != res.TargetDigest {
				t.Fatalf("target tag: found=%v, digest %s, result says %s", ok, digest.FromBytes(body), res.TargetDigest)
			}
			if tt.keep == "" {
				if res.Filtered || res.TargetDigest != res.SourceDigest {
					t.Fatalf("Filtered=%v target %s source %s, want the digest preserved", res.Filtered, res.TargetDigest, res.SourceDigest)
				}
				return
			}
			if !res.Filtered || res.TargetDigest == res.SourceDigest {
				t.Fatalf("Filtered=%v, digests %s %s: want a new index", res.Filtered, res.SourceDigest, res.TargetDigest)
			}
			if again := mustCopy(t, []reference.Pair{img}, opts)[0]; again.Status != Present || again.TargetDigest != res.TargetDigest || !again.Filtered {
				t.Errorf("re-run of a filtered copy: %v, digest %s (first run %s)", again.Status, again.TargetDigest, res.TargetDigest)
			}
			var idx ocispec.Index
			if err := json.Unmarshal(body, &idx); err != nil {
				t.Fatal(err)
			}
			if len(idx.Manifests) != 1 || platformString(idx.Manifests[0].Platform) != tt.keep || idx.MediaType != f.Index.MediaType {
				t.Fatalf("target index %s", body)
			}
			for i, m := range f.Manifests {
				_, ok := getManifest(t, e.dst, "app", m.Digest.String())
				if want := m.Digest == idx.Manifests[0].Digest; ok != want {
					t.Errorf("platform %d manifest in target: %v, want %v", i, ok, want)
				}
			}
		})
	}
}

// TestCopyNoopRerun: an image whose target tag already has the source digest
// costs one HEAD on each side, and no blob request.
func TestCopyNoopRerun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	shared := testimage.Layer(7, 40<<10)
	var images []reference.Pair
	for i, name := range []string{"a", "b/c", "d/e/f"} {
		f := pushImage(t, e.src, name, "v1", twoPlatforms(uint64(10+i), shared))
		pushCosignSig(t, e.src, name, f.Index)
		images = append(images, e.to(f, "mirror/"+name, "v1"))
	}
	for _, r := range mustCopy(t, images, e.options()) {
		if r.Status != Copied {
			t.Fatalf("first copy: %v %v", r.Status, r.Err)
		}
	}
	e.src.rec.reset()
	e.dst.rec.reset()

	for _, r := range mustCopy(t, images, e.options()) {
		if r.Status != Present || r.Err != nil || r.Bytes != 0 || r.TargetDigest != r.SourceDigest {
			t.Errorf("re-run: %+v", r)
		}
	}
	for _, side := range []struct {
		name string
		reg  *testRegistry
	}{{"source", e.src}, {"target", e.dst}} {
		reqs := side.reg.rec.requests(nil)
		t.Logf("%s requests: %v", side.name, reqs)
		if len(reqs) != len(images) {
			t.Errorf("%s: %d requests for %d images, want one each", side.name, len(reqs), len(images))
		}
		for _, q := range reqs {
			if q.method != http.MethodHead || q.isBlob() {
				t.Errorf("%s: unexpected %s %s", side.name, q.method, q.path)
			}
		}
	}
}
