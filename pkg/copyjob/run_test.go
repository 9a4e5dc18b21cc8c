package copyjob

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/registry"
)

const (
	targetUser, targetPassword = "mirror", "s3cret-Pa55"
)

// runEnv is a source registry with synthetic images and a target registry
// that requires basic auth, with a docker config holding its credentials.
type runEnv struct {
	src, dst *testregistry.Registry
	config   string // docker config.json with the target's credentials
	images   map[string]testimage.Image
}

func newRunEnv(t *testing.T) *runEnv {
	t.Helper()
	ctx := context.Background()
	e := &runEnv{
		src:    testregistry.Start(t),
		dst:    testregistry.Start(t, testregistry.WithBasicAuth(targetUser, targetPassword)),
		images: map[string]testimage.Image{},
	}
	base := testimage.Layer(42, 48<<10)
	for _, s := range []testimage.Spec{
		{Repository: "team/api", Tag: "1.0", Shared: [][]byte{base}, Seed: 1},
		{Repository: "team/worker", Tag: "1.0", Shared: [][]byte{base}, Seed: 2},
		{Repository: "library/tool", Tag: "2", Docker: true, Platforms: []string{"linux/amd64", "linux/arm/v7"}, Seed: 3},
		{Repository: "team/late", Tag: "3", Seed: 4}, // pushed, never copied: the dry-run's "would copy"
	} {
		s.LayerSize = 16 << 10
		img, err := testimage.Push(ctx, e.src.Host, s)
		if err != nil {
			t.Fatal(err)
		}
		e.images[s.Repository] = img
	}
	api := e.images["team/api"]
	if _, err := testimage.Sign(ctx, e.src.Host, "team/api", api.Index); err != nil {
		t.Fatal(err)
	}
	if _, err := testimage.Refer(ctx, e.src.Host, "team/api", api.Manifests[1], "application/spdx+json"); err != nil {
		t.Fatal(err)
	}
	e.config = filepath.Join(t.TempDir(), "config.json")
	creds := base64.StdEncoding.EncodeToString([]byte(targetUser + ":" + targetPassword))
	if err := os.WriteFile(e.config, fmt.Appendf(nil, `{"auths": {%q: {"auth": %q}}}`, e.dst.Host, creds), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// ref is the source reference of repository:tag.
func (e *runEnv) ref(repository, tag string) string { return e.src.Host + "/" + repository + ":" + tag }

// request copies images to <target>/mirror, keeping paths.
func (e *runEnv) request(t *testing.T, images ...string) Request {
	t.Helper()
	m, err := reference.ParseDestination(e.dst.Host+"/mirror", reference.KeepPath)
	if err != nil {
		t.Fatal(err)
	}
	client, err := registry.New(registry.Options{DockerConfig: e.config, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return Request{Images: images, Mapping: m, Registry: client}
}

// targetDigest resolves mirror/repository:tag in the target with oras-go
// and the target's credentials (not through pkg/registry); "" when absent.
func (e *runEnv) targetDigest(t *testing.T, repository, tag string) digest.Digest {
	t.Helper()
	repo, err := remote.NewRepository(e.dst.Host + "/mirror/" + repository)
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	repo.Client = &auth.Client{Credential: auth.StaticCredential(e.dst.Host, auth.Credential{Username: targetUser, Password: targetPassword})}
	d, err := repo.Resolve(context.Background(), tag)
	if errors.Is(err, errdef.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return d.Digest
}

// statuses returns the status of each result, by source repository.
func statuses(rep *Report) map[string]mirror.Status {
	out := map[string]mirror.Status{}
	for _, r := range rep.Results {
		out[r.Image.Source.Repository] = r.Status
	}
	return out
}

// TestRunAgainstRegistries runs Run against real registries: a copy of
// three multi-arch images (one signed, with an SBOM; one a Docker manifest
// list) into a target that requires credentials, a re-run that finds every
// image present, and a dry-run with an image that does not exist and one
// not copied yet. It checks the target's digests, the reports, the
// summaries and the lock.
func TestRunAgainstRegistries(t *testing.T) {
	t.Parallel()
	e := newRunEnv(t)
	ctx := context.Background()
	copied := []string{e.ref("team/api", "1.0"), e.ref("team/worker", "1.0"), e.ref("library/tool", "2")}
	lockPath := filepath.Join(t.TempDir(), "images.lock")

	var firstLock []byte
	t.Run("copy", func(t *testing.T) {
		req := e.request(t, copied...)
		var mu sync.Mutex
		done := map[string]bool{}
		req.Engine = mirror.Options{Jobs: 4, Events: func(ev mirror.Event) {
			if ev.Kind == mirror.ImageDone {
				mu.Lock()
				defer mu.Unlock()
				done[ev.Image.Source.Repository] = ev.Err == nil
			}
		}}
		rep, err := Run(ctx, req)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if rep.Destination != e.dst.Host+"/mirror" || rep.DryRun || len(rep.Results) != 3 {
			t.Fatalf("report: destination %q, dry-run %v, %d results", rep.Destination, rep.DryRun, len(rep.Results))
		}
		if !slices.IsSortedFunc(rep.Results, func(a, b mirror.Result) int { return strings.Compare(a.Image.Source.String(), b.Image.Source.String()) }) {
			t.Errorf("results not sorted by source: %v", rep.Results)
		}
		for _, r := range rep.Results {
			img := e.images[r.Image.Source.Repository]
			if r.Status != mirror.Copied || r.SourceDigest != img.Index.Digest || r.TargetDigest != img.Index.Digest {
				t.Errorf("%s: %v, digests %s -> %s, want copied %s (%v)", r.Image, r.Status, r.SourceDigest, r.TargetDigest, img.Index.Digest, r.Err)
			}
			if got := e.targetDigest(t, r.Image.Source.Repository, r.Image.Source.Tag); got != img.Index.Digest {
				t.Errorf("target %s has %q, want %s", r.Image.Target, got, img.Index.Digest)
			}
			if !done[r.Image.Source.Repository] {
				t.Errorf("no successful ImageDone event for %s", r.Image.Source)
			}
		}
		sum := rep.Summary()
		if sum.Images != 3 || sum.Copied != 3 || sum.Present != 0 || sum.Failed != 0 || sum.Bytes == 0 || sum.Referrers != 2 || sum.Mounted != 1 {
			t.Errorf("summary %+v: want 3 copied, bytes sent, 2 referrers, the shared layer mounted once", sum)
		}
		if err := NewLock(rep.Destination, rep.Results).WriteFile(lockPath); err != nil {
			t.Fatal(err)
		}
		if firstLock, err = os.ReadFile(lockPath); err != nil {
			t.Fatal(err)
		}
		var lock Lock
		if err := yaml.Unmarshal(firstLock, &lock); err != nil {
			t.Fatalf("lock does not parse: %v\n%s", err, firstLock)
		}
		if lock.Version != 1 || lock.Destination != rep.Destination || len(lock.Images) != 3 {
			t.Fatalf("lock:\n%s", firstLock)
		}
		for _, li := range lock.Images {
			src := reference.MustParse(li.Source)
			want := e.images[src.Repository].Index.Digest
			if li.Digest != want.String() || li.Target != e.dst.Host+"/mirror/"+src.Repository+":"+src.Tag || li.TargetDigest != "" {
				t.Errorf("lock entry %+v, want digest %s at the mapped target", li, want)
			}
		}
	})

	t.Run("no-op re-run", func(t *testing.T) {
		rep, err := Run(ctx, e.request(t, copied...))
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		for _, r := range rep.Results {
			if r.Status != mirror.Present || r.Bytes != 0 || r.TargetDigest != e.images[r.Image.Source.Repository].Index.Digest {
				t.Errorf("%s: %v, %d bytes, target digest %s; want present, nothing sent", r.Image, r.Status, r.Bytes, r.TargetDigest)
			}
		}
		if sum := rep.Summary(); sum != (Summary{Images: 3, Present: 3}) {
			t.Errorf("summary %+v, want 3 present and nothing else", sum)
		}
		// The lock of a re-run is the lock of the copy.
		path := filepath.Join(t.TempDir(), "again.lock")
		if err := NewLock(rep.Destination, rep.Results).WriteFile(path); err != nil {
			t.Fatal(err)
		}
		if again, _ := os.ReadFile(path); string(again) != string(firstLock) {
			t.Errorf("re-run lock differs:\n%s\nfirst:\n%s", again, firstLock)
		}
	})

	t.Run("dry-run with a missing image", func(t *testing.T) {
		req := e.request(t, append([]string{e.ref("team/missing", "1"), e.ref("team/late", "3")}, copied...)...)
		req.DryRun = true
		rep, err := Run(ctx, req)
		if !errors.Is(err, ErrFailed) {
			t.Fatalf("Run = %v, want ErrFailed", err)
		}
		if rep == nil || !rep.DryRun || len(rep.Results) != 5 {
			t.Fatalf("report %+v", rep)
		}
		want := map[string]mirror.Status{
			"team/api": mirror.Present, "team/worker": mirror.Present, "library/tool": mirror.Present,
			"team/late": mirror.Copied, "team/missing": mirror.Failed,
		}
		got := statuses(rep)
		for repo, st := range want {
			if got[repo] != st {
				t.Errorf("%s: %v, want %v", repo, got[repo], st)
			}
		}
		if sum := rep.Summary(); sum.Images != 5 || sum.Copied != 1 || sum.Present != 3 || sum.Failed != 1 || sum.Bytes != 0 {
			t.Errorf("summary %+v", sum)
		}
		for _, r := range rep.Results {
			if r.Status != mirror.Present {
				if d := e.targetDigest(t, r.Image.Source.Repository, r.Image.Source.Tag); d != "" {
					t.Errorf("dry-run wrote %s to the target (%s)", r.Image.Target, d)
				}
			}
		}
		lock := NewLock(rep.Destination, rep.Results)
		for _, li := range lock.Images {
			if li.Source == e.ref("team/missing", "1") {
				t.Errorf("the missing image is in the lock: %+v", li)
			}
		}
	})
}

// TestRunFilteredPlatforms: a platform-filtered copy records the new index
// digest as the lock's targetDigest.
func TestRunFilteredPlatforms(t *testing.T) {
	t.Parallel()
	e := newRunEnv(t)
	req := e.request(t, e.ref("library/tool", "2"))
	req.Engine.Platforms = []string{"linux/arm/v7"}
	rep, err := Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	src := e.images["library/tool"].Index.Digest
	if r.Status != mirror.Copied || !r.Filtered || r.SourceDigest != src || r.TargetDigest == src || !slices.Equal(rep.Platforms, req.Engine.Platforms) {
		t.Fatalf("result %+v (report platforms %v)", r, rep.Platforms)
	}
	if got := e.targetDigest(t, "library/tool", "2"); got != r.TargetDigest {
		t.Errorf("target has %s, result says %s", got, r.TargetDigest)
	}
	lock := NewLock(rep.Destination, rep.Results)
	if len(lock.Images) != 1 || lock.Images[0].Digest != src.String() || lock.Images[0].TargetDigest != r.TargetDigest.String() {
		t.Errorf("lock %+v, want digest %s and targetDigest %s", lock.Images, src, r.TargetDigest)
	}
}
