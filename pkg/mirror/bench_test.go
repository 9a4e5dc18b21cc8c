package mirror

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// BenchmarkCopy copies ~200 MB of synthetic layers (4 images x 2 platforms x
// 3 layers of 8 MiB, plus a 4 MiB layer shared by all) between two
// in-process registries with filesystem storage, into an empty target each
// iteration. MB/s counts unique bytes. Registries and engine share the
// process (and the CPUs): this measures the engine's overhead relative to
// the registries, not a wire-speed limit.
func BenchmarkCopy(b *testing.B) {
	src := newRegistry(b, b.TempDir())
	shared := testimage.Layer(7000, 4<<20)
	var fixtures []fixture
	unique, sharedDigest := int64(len(shared)), digest.FromBytes(shared)
	for i := range 4 {
		s := testimage.Spec{Platforms: []string{"linux/amd64", "linux/arm64"}, Layers: 3, LayerSize: 8 << 20, Shared: [][]byte{shared}, Seed: uint64(7001 + i)}
		f := pushImage(b, src, fmt.Sprintf("bench/img%d", i), "1", s)
		for _, bl := range f.Blobs {
			if bl.Digest != sharedDigest {
				unique += bl.Size
			}
		}
		fixtures = append(fixtures, f)
	}
	b.SetBytes(unique)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		dst := newRegistry(b, b.TempDir())
		var images []reference.Pair
		for i, f := range fixtures {
			images = append(images, reference.Pair{Source: f.ref, Target: reference.Reference{Registry: dst.host, Repository: fmt.Sprintf("mirror/img%d", i), Tag: "1"}})
		}
		opts := Options{Repository: repositoryFunc(src, dst)}
		b.StartTimer()
		res, err := Copy(context.Background(), images, opts)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Status != Copied {
				b.Fatalf("%v: %v", r.Status, r.Err)
			}
		}
	}
}

// TestExternalCopy copies the refs of the benchmark harness
// (/work/shared/bench, "custom" peer) between two external registries: it
// runs only when BENCH_SRC, BENCH_DST and BENCH_REFS are set, e.g.
//
//	go test -c -o /tmp/mirror.test ./pkg/mirror/
//	BENCH_CUSTOM_CMD='/tmp/mirror.test -test.run TestExternalCopy' ./run.sh
//
// MIRROR_JOBS sets Options.Jobs.
func TestExternalCopy(t *testing.T) {
	srcHost, dstHost, refsFile := os.Getenv("BENCH_SRC"), os.Getenv("BENCH_DST"), os.Getenv("BENCH_REFS")
	if srcHost == "" || dstHost == "" || refsFile == "" {
		t.Skip("BENCH_SRC, BENCH_DST and BENCH_REFS are not set")
	}
	f, err := os.Open(refsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var images []reference.Pair
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		src, err := reference.Parse(srcHost + "/" + line)
		if err != nil {
			t.Fatal(err)
		}
		dst := src
		dst.Registry = dstHost
		images = append(images, reference.Pair{Source: src, Target: dst})
	}
	jobs := 0
	fmt.Sscan(os.Getenv("MIRROR_JOBS"), &jobs)
	regs := []*testRegistry{{host: srcHost}, {host: dstHost}}
	start := time.Now()
	res, err := Copy(context.Background(), images, Options{Repository: repositoryFunc(regs...), Jobs: jobs,
		Retry: func(attempt int, err error) (time.Duration, bool) { return 100 * time.Millisecond, attempt < 3 }})
	if err != nil {
		t.Fatal(err)
	}
	var bytes int64
	var copied, present, failed, mounted int
	for _, r := range res {
		bytes += r.Bytes
		mounted += r.Mounted
		switch r.Status {
		case Copied:
			copied++
		case Present:
			present++
		default:
			failed++
			t.Error(r.Err)
		}
	}
	t.Logf("%d images: %d copied, %d present, %d failed; %.1f MB uploaded, %d mounts, in %v",
		len(res), copied, present, failed, float64(bytes)/1e6, mounted, time.Since(start).Round(time.Millisecond))
}
