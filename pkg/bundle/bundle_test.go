package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/registry"
)

// corpus pushes n signed images sharing a base layer to a registry.
func corpus(t *testing.T, host string, n int, seed uint64) ([]string, []testimage.Image) {
	t.Helper()
	ctx := context.Background()
	base := testimage.Layer(seed, 256<<10)
	var refs []string
	var imgs []testimage.Image
	for i := range n {
		repo := "team/app" + string(rune('a'+i))
		img, err := testimage.Push(ctx, host, testimage.Spec{Repository: repo, Tag: "1.0", Layers: 2, LayerSize: 64 << 10, Shared: [][]byte{base}, Seed: seed + uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := testimage.Sign(ctx, host, repo, img.Index); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, host+"/"+repo+":1.0")
		imgs = append(imgs, img)
	}
	return refs, imgs
}

func client(t *testing.T) *registry.Client {
	t.Helper()
	c, err := registry.New(registry.Options{DockerConfig: filepath.Join(t.TempDir(), "none.json"), MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sum(t *testing.T, files []string) string {
	t.Helper()
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func pack(t *testing.T, req PackRequest) *PackReport {
	t.Helper()
	if req.Registry == nil {
		req.Registry = client(t)
	}
	rep, err := Pack(context.Background(), req)
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	return rep
}

// TestRoundTrip: registry -> pack -> unpack -> registry keeps every
// digest and the signatures; two packs of the same inputs are the same
// bytes, compressed or not, whole or split.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	src, dst := testregistry.Start(t), testregistry.Start(t)
	refs, imgs := corpus(t, src.Host, 3, 10)
	dir := t.TempDir()
	for _, name := range []string{"a.tar", "a.tar.zst"} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name)
			first := pack(t, PackRequest{Images: refs, Output: out})
			s1 := sum(t, first.Files)
			os.Rename(out, out+".old")
			second := pack(t, PackRequest{Images: refs, Output: out})
			if s2 := sum(t, second.Files); s1 != s2 {
				t.Errorf("two packs differ: %s %s", s1, s2)
			}
			if _, err := os.Stat(workDir(out)); !os.IsNotExist(err) {
				t.Errorf("the work directory is left: %v", err)
			}
			split := pack(t, PackRequest{Images: refs, Output: filepath.Join(dir, "split-"+name), Split: 100 << 10})
			if len(split.Files) < 3 || sum(t, split.Files) != s1 {
				t.Errorf("split into %d parts, sum %s, want the whole archive's %s", len(split.Files), sum(t, split.Files), s1)
			}

			a, err := Open(context.Background(), split.Files[0])
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			m, _ := reference.ParseDestination(dst.Host+"/"+strings.TrimSuffix(name, ".tar.zst"), reference.KeepPath)
			rep, err := Unpack(context.Background(), UnpackRequest{Archive: a, Mapping: m, Registry: client(t)})
			if err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			for i, r := range rep.Results {
				if r.SourceDigest != imgs[i].Index.Digest || r.Referrers != 1 {
					t.Errorf("%s: digest %s (want %s), %d referrers", r.Image.Target, r.SourceDigest, imgs[i].Index.Digest, r.Referrers)
				}
				repo, _ := testimage.Repository(dst.Host, r.Image.Target.Repository)
				if d, err := repo.Resolve(context.Background(), "1.0"); err != nil || d.Digest != imgs[i].Index.Digest {
					t.Errorf("target %s: %v %v", r.Image.Target, d.Digest, err)
				}
			}
			c, err := Inspect(context.Background(), a, true)
			if err != nil || len(c.Images) != 3 || len(c.Lock) != 3 || !c.Verified || c.Images[0].Referrers != 1 || len(c.Images[0].Platforms) != 2 {
				t.Errorf("Inspect: %+v, %v", c, err)
			}
		})
	}
}

// countingRegistry is a source behind a proxy that counts blob bytes read.
func countingRegistry(t *testing.T) (*testregistry.Registry, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	reg := testregistry.Start(t, testregistry.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
				w = &countWriter{ResponseWriter: w, n: &n}
			}
			next.ServeHTTP(w, r)
		})
	}))
	return reg, &n
}

type countWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	m, err := c.ResponseWriter.Write(b)
	c.n.Add(int64(m))
	return m, err
}

// TestResumeAndUpdate: an interrupted pack continues where it stopped; an
// update fetches only the new image; a diff archive carries only its new
// blobs.
func TestResumeAndUpdate(t *testing.T) {
	t.Parallel()
	src, read := countingRegistry(t)
	refs, _ := corpus(t, src.Host, 4, 20)
	out := filepath.Join(t.TempDir(), "site.tar")

	ctx, cancel := context.WithCancel(context.Background())
	var blobs atomic.Int32
	_, err := Pack(ctx, PackRequest{Images: refs[:3], Output: out, Registry: client(t), Engine: mirror.Options{Jobs: 1, Events: func(ev mirror.Event) {
		if ev.Kind == mirror.BlobDone && blobs.Add(1) == 4 {
			cancel()
		}
	}}})
	if !errors.Is(err, copyjob.ErrInterrupted) {
		t.Fatalf("interrupted pack: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal("an interrupted pack left an archive")
	}
	before := read.Load()
	full := pack(t, PackRequest{Images: refs[:3], Output: out})
	resumed := read.Load() - before
	fresh := pack(t, PackRequest{Images: refs[:3], Output: filepath.Join(t.TempDir(), "fresh.tar")})
	if sum(t, full.Files) != sum(t, fresh.Files) {
		t.Error("the resumed archive differs from a fresh one")
	}
	all := read.Load() - before - resumed
	if resumed >= all {
		t.Errorf("the resumed pack read %d bytes, a fresh one %d: nothing was kept", resumed, all)
	}
	t.Logf("resumed pack read %d bytes of %d", resumed, all)

	before = read.Load()
	old := filepath.Join(t.TempDir(), "old.tar")
	copyFile(t, full.Files[0], old)
	updated := pack(t, PackRequest{Images: refs, Output: out})
	if got := read.Load() - before; got <= 0 || got >= all {
		t.Errorf("the update read %d bytes, want only the new image's (< %d)", got, all)
	}
	a, err := Open(context.Background(), updated.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	c, _ := Inspect(context.Background(), a, false)
	a.Close()
	if len(c.Images) != 4 {
		t.Errorf("the updated archive holds %d images, want 4", len(c.Images))
	}

	diff := pack(t, PackRequest{Images: refs, Output: filepath.Join(t.TempDir(), "diff.tar"), Diff: old})
	if diff.LeftOut == 0 || diff.Size >= updated.Size {
		t.Errorf("diff archive: %d blobs left out, %d bytes (full: %d)", diff.LeftOut, diff.Size, updated.Size)
	}
	t.Logf("diff archive %d bytes against %d for the full one, %d blobs left out", diff.Size, updated.Size, diff.LeftOut)
}

// TestResumeChangedInputs: a pack interrupted, then run again with one
// more image, lays the archive out anew and copies what the interrupted
// one fetched from its partial archive instead of fetching it again.
func TestResumeChangedInputs(t *testing.T) {
	t.Parallel()
	src, read := countingRegistry(t)
	refs, _ := corpus(t, src.Host, 4, 70)
	dir := t.TempDir()
	out := filepath.Join(dir, "site.tar")
	ctx, cancel := context.WithCancel(context.Background())
	var blobs atomic.Int32
	_, err := Pack(ctx, PackRequest{Images: refs[:3], Output: out, Registry: client(t), Engine: mirror.Options{Jobs: 1, Events: func(ev mirror.Event) {
		if ev.Kind == mirror.BlobDone && ev.Err == nil && blobs.Add(1) == 4 {
			cancel()
		}
	}}})
	if !errors.Is(err, copyjob.ErrInterrupted) {
		t.Fatalf("interrupted pack: %v", err)
	}
	before := read.Load()
	resumed := pack(t, PackRequest{Images: refs, Output: out})
	got := read.Load() - before
	fresh := pack(t, PackRequest{Images: refs, Output: filepath.Join(t.TempDir(), "fresh.tar")})
	all := read.Load() - before - got
	if got >= all {
		t.Errorf("the pack after the interrupted one read %d bytes, a fresh one %d: nothing was kept", got, all)
	}
	if sum(t, resumed.Files) != sum(t, fresh.Files) {
		t.Error("the resumed archive differs from a fresh one")
	}
	if _, err := os.Stat(workDir(out)); !os.IsNotExist(err) {
		t.Errorf("the work directory is left: %v", err)
	}
	t.Logf("read %d bytes of %d", got, all)
}

// TestResumeKinds: an interrupted pack of a split or compressed archive,
// run again, gives the bytes of a fresh pack.
func TestResumeKinds(t *testing.T) {
	t.Parallel()
	src := testregistry.Start(t)
	refs, _ := corpus(t, src.Host, 3, 80)
	for _, tc := range []struct {
		name  string
		file  string
		split int64
	}{
		{"split", "s.tar", 96 << 10},
		{"zstd", "z.tar.zst", 0},
		{"zstd split", "zs.tar.zst", 64 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), tc.file)
			ctx, cancel := context.WithCancel(context.Background())
			var blobs atomic.Int32
			_, err := Pack(ctx, PackRequest{Images: refs, Output: out, Split: tc.split, Registry: client(t), Engine: mirror.Options{Jobs: 1, Events: func(ev mirror.Event) {
				if ev.Kind == mirror.BlobDone && ev.Err == nil && blobs.Add(1) == 3 {
					cancel()
				}
			}}})
			if !errors.Is(err, copyjob.ErrInterrupted) {
				t.Fatalf("interrupted pack: %v", err)
			}
			resumed := pack(t, PackRequest{Images: refs, Output: out, Split: tc.split})
			fresh := pack(t, PackRequest{Images: refs, Output: filepath.Join(t.TempDir(), tc.file), Split: tc.split})
			if len(resumed.Files) != len(fresh.Files) || sum(t, resumed.Files) != sum(t, fresh.Files) {
				t.Errorf("resumed: %d files, fresh: %d; sums differ: %v", len(resumed.Files), len(fresh.Files), sum(t, resumed.Files) != sum(t, fresh.Files))
			}
			a, err := Open(context.Background(), resumed.Files[0])
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if c, err := Inspect(context.Background(), a, true); err != nil || !c.Verified || len(c.Images) != 3 {
				t.Errorf("Inspect --verify: %+v, %v", c, err)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	outF, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer outF.Close()
	if _, err := io.Copy(outF, in); err != nil {
		t.Fatal(err)
	}
}

// TestBadArchive: a corrupted blob fails its image and nothing of it is
// tagged in the target; a missing part is named before anything is
// pushed; a diff archive unpacked where its base is not fails clearly.
func TestBadArchive(t *testing.T) {
	t.Parallel()
	src, dst := testregistry.Start(t), testregistry.Start(t)
	refs, imgs := corpus(t, src.Host, 2, 30)
	dir := t.TempDir()
	full := pack(t, PackRequest{Images: refs, Output: filepath.Join(dir, "a.tar")})
	m, _ := reference.ParseDestination(dst.Host+"/m", reference.KeepPath)

	t.Run("corrupted blob", func(t *testing.T) {
		data, _ := os.ReadFile(full.Files[0])
		layer := imgs[0].Blobs[len(imgs[0].Blobs)-1]
		i := strings.Index(string(data), "blobs/sha256/"+layer.Digest.Encoded())
		data[i+512+100] ^= 0xff
		bad := filepath.Join(t.TempDir(), "bad.tar")
		os.WriteFile(bad, data, 0o644)
		a, err := Open(context.Background(), bad)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		rep, err := Unpack(context.Background(), UnpackRequest{Archive: a, Mapping: m, Registry: client(t)})
		if !errors.Is(err, copyjob.ErrFailed) {
			t.Fatalf("Unpack = %v, want a failed image", err)
		}
		failed := rep.Results[0]
		if failed.Err == nil || !strings.Contains(failed.Err.Error(), "is corrupted") || !strings.Contains(failed.Err.Error(), layer.Digest.Encoded()) {
			t.Errorf("the failure does not name the corrupted blob: %v", failed.Err)
		}
		repo, _ := testimage.Repository(dst.Host, failed.Image.Target.Repository)
		if _, err := repo.Resolve(context.Background(), "1.0"); err == nil {
			t.Error("the image with a corrupted blob was tagged")
		}
	})
	t.Run("missing part", func(t *testing.T) {
		split := pack(t, PackRequest{Images: refs, Output: filepath.Join(t.TempDir(), "s.tar"), Split: 64 << 10})
		os.Remove(split.Files[2])
		_, err := Open(context.Background(), split.Files[0])
		if !errors.Is(err, ErrMissingPart) || !strings.Contains(err.Error(), filepath.Base(split.Files[2])) {
			t.Errorf("Open = %v, want the missing part named", err)
		}
	})
	t.Run("diff without its base", func(t *testing.T) {
		more, _ := corpus(t, src.Host, 3, 30) // the same two, and a third
		diff := pack(t, PackRequest{Images: more, Output: filepath.Join(t.TempDir(), "d.tar"), Diff: full.Files[0]})
		a, err := Open(context.Background(), diff.Files[0])
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		fresh := testregistry.Start(t)
		fm, _ := reference.ParseDestination(fresh.Host+"/m", reference.KeepPath)
		_, err = Unpack(context.Background(), UnpackRequest{Archive: a, Mapping: fm, Registry: client(t)})
		if err == nil {
			t.Fatal("a diff archive unpacked without its base")
		}
		c, _ := Inspect(context.Background(), a, false)
		if c.DiffBase != "a.tar" {
			t.Errorf("DiffBase = %q", c.DiffBase)
		}
	})
}

// TestChart: the chart travels as a Helm OCI artifact with its values and
// render settings, and can be pushed with the images.
func TestChart(t *testing.T) {
	t.Parallel()
	src, dst := testregistry.Start(t), testregistry.Start(t)
	refs, _ := corpus(t, src.Host, 1, 40)
	c := &Chart{Name: "demo", Version: "1.2.3", Metadata: []byte(`{"name":"demo","version":"1.2.3","apiVersion":"v2"}`), Archive: []byte("not really a tgz"),
		Values: []File{{Name: "/home/u/prod.yaml", Data: []byte("replicas: 3\n")}}, Render: Render{ReleaseName: "web", Set: []string{"a=b"}}}
	out := pack(t, PackRequest{Images: refs, Chart: c, Output: filepath.Join(t.TempDir(), "c.tar")})
	a, err := Open(context.Background(), out.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	got, err := ReadChart(context.Background(), a)
	if err != nil || got == nil {
		t.Fatalf("ReadChart: %v", err)
	}
	if got.Name != "demo" || string(got.Archive) != "not really a tgz" || len(got.Values) != 1 || got.Values[0].Name != "values/01-prod.yaml" ||
		got.Render.ReleaseName != "web" || got.Render.Values[0] != "values/01-prod.yaml" {
		t.Errorf("chart: %+v", got)
	}
	m, _ := reference.ParseDestination(dst.Host+"/m", reference.KeepPath)
	rep, err := Unpack(context.Background(), UnpackRequest{Archive: a, Mapping: m, Registry: client(t), PushChart: true})
	if err != nil {
		t.Fatal(err)
	}
	last := rep.Results[len(rep.Results)-1]
	if last.Image.Target.String() != dst.Host+"/m/charts/demo:1.2.3" {
		t.Errorf("chart pushed to %s", last.Image.Target)
	}
}

// fullDisk is a file of an archive whose disk fills after limit bytes.
type fullDisk struct {
	*os.File
	left *atomic.Int64
}

func (f fullDisk) WriteAt(b []byte, off int64) (int, error) {
	if f.left.Add(-int64(len(b))) < 0 {
		return 0, syscall.ENOSPC
	}
	return f.File.WriteAt(b, off)
}

// TestDiskFull: a disk that fills while the archive is written leaves no
// archive and no partial file, and the work directory for the next run.
// (Not parallel: it sets how the package creates files.)
func TestDiskFull(t *testing.T) {
	src := testregistry.Start(t)
	refs, _ := corpus(t, src.Host, 2, 50)
	dir := t.TempDir()
	out := filepath.Join(dir, "site.tar")
	var left atomic.Int64
	left.Store(200 << 10)
	testCreate = func(name string) (outFile, error) {
		f, err := os.Create(name)
		return fullDisk{File: f, left: &left}, err
	}
	defer func() { testCreate = nil }()
	_, err := Pack(context.Background(), PackRequest{Images: refs, Output: out, Registry: client(t)})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Pack on a full disk: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "site.tar.work" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	testCreate = nil
	if rep := pack(t, PackRequest{Images: refs, Output: out}); len(rep.Files) != 1 {
		t.Errorf("the next pack: %+v", rep)
	}

	// A disk too small for the archive is found before anything is
	// fetched (its space is reserved first), and nothing is left.
	small := filepath.Join(t.TempDir(), "small.tar")
	testCreate = func(string) (outFile, error) { return nil, syscall.ENOSPC }
	_, err = Pack(context.Background(), PackRequest{Images: refs, Output: small, Registry: client(t)})
	testCreate = nil
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "the archive needs") {
		t.Errorf("Pack on a disk too small: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(small)); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

// TestPackThrough: images fetched through a registry that keeps them under
// their source's host are named after their sources in the archive.
func TestPackThrough(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	through := testregistry.Start(t)
	const source = "registry.example:5000"
	img, err := testimage.Push(ctx, through.Host, testimage.Spec{Repository: "registry.example_5000/team/app", Tag: "1.0", Seed: 60})
	if err != nil {
		t.Fatal(err)
	}
	out := pack(t, PackRequest{Images: []string{source + "/team/app:1.0"}, Output: filepath.Join(t.TempDir(), "t.tar"), Through: through.Host})
	a, err := Open(ctx, out.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	c, _ := Inspect(ctx, a, false)
	if len(c.Images) != 1 || c.Images[0].Name != source+"/team/app:1.0" || c.Images[0].Source != source+"/team/app:1.0" || c.Images[0].Digest != img.Index.Digest.String() {
		t.Errorf("images: %+v", c.Images)
	}
}

// TestPackBusy: a second pack of an output another pack is writing stops
// at once with ErrBusy and leaves the first one's work alone; the first
// finishes with a whole archive, and a pack after it runs.
func TestPackBusy(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	started := make(chan struct{}, 1)
	var hold atomic.Bool
	src := testregistry.Start(t, testregistry.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hold.Load() && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
				select {
				case started <- struct{}{}:
				default:
				}
				<-release
			}
			next.ServeHTTP(w, r)
		})
	}))
	refs, _ := corpus(t, src.Host, 2, 70)
	out := filepath.Join(t.TempDir(), "site.tar")
	ctx := context.Background()
	hold.Store(true)
	first := make(chan error, 1)
	c := client(t)
	go func() {
		_, err := Pack(ctx, PackRequest{Images: refs, Output: out, Registry: c})
		first <- err
	}()
	<-started // the first pack is fetching blobs into its work directory

	_, err := Pack(ctx, PackRequest{Images: refs, Output: out, Registry: client(t)})
	t.Log(err)
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "site.tar") || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second pack: %v, want ErrBusy naming the output and the holder", err)
	}
	once.Do(func() { close(release) })
	if err := <-first; err != nil {
		t.Fatalf("first pack: %v", err)
	}
	a, err := Open(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if c, err := Inspect(ctx, a, true); err != nil || !c.Verified || len(c.Images) != 2 {
		t.Fatalf("the first pack's archive: %+v %v", c, err)
	}
	if _, err := os.Stat(out + ".work"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("work directory left: %v", err)
	}
	hold.Store(false)
	pack(t, PackRequest{Images: refs, Output: out}) // the lock went with the first pack
}
