package registry

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/airlift-cli/airlift/internal/testregistry"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
)

func TestMain(m *testing.M) {
	// The distribution registry logs every request through logrus.
	logrus.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// testRegistry is a CNCF distribution registry served in-process
// (internal/testregistry) that counts requests per HTTP major version.
type testRegistry struct {
	URL  string // http(s)://127.0.0.1:PORT
	Host string // 127.0.0.1:PORT

	mu     sync.Mutex
	protos map[int]int // requests seen per HTTP major version
}

type testRegistryOption = testregistry.Option

// withHtpasswd protects the registry with basic auth for one user.
func withHtpasswd(user, pass string) testRegistryOption {
	return testregistry.WithBasicAuth(user, pass)
}

// withTLS serves the registry over HTTPS (HTTP/2 enabled) with httptest's
// self-signed certificate.
func withTLS() testRegistryOption { return testregistry.WithTLS() }

func newTestRegistry(t *testing.T, opts ...testRegistryOption) *testRegistry {
	t.Helper()
	r := &testRegistry{protos: map[int]int{}}
	count := testregistry.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			r.mu.Lock()
			r.protos[req.ProtoMajor]++
			r.mu.Unlock()
			next.ServeHTTP(w, req)
		})
	})
	reg := testregistry.Start(t, append(opts, count)...)
	r.URL, r.Host = reg.URL, reg.Host
	return r
}

// requests returns how many requests used HTTP/major.
func (r *testRegistry) requests(major int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.protos[major]
}

// testImage is a one-layer image: its blobs and manifest.
type testImage struct {
	config, layer, manifest             ocispec.Descriptor
	configData, layerData, manifestData []byte
}

func newTestImage(t *testing.T, layerSize int) testImage {
	t.Helper()
	var img testImage
	img.configData = []byte(`{"architecture":"amd64","os":"linux"}`)
	img.config = content.NewDescriptorFromBytes(ocispec.MediaTypeImageConfig, img.configData)
	img.layerData = make([]byte, layerSize)
	_, _ = rand.Read(img.layerData)
	img.layer = content.NewDescriptorFromBytes(ocispec.MediaTypeImageLayer, img.layerData)
	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    img.config,
		Layers:    []ocispec.Descriptor{img.layer},
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	img.manifestData = data
	img.manifest = content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, data)
	return img
}

// push pushes the image's blobs and manifest, tagged tag.
func (img testImage) push(t *testing.T, ctx context.Context, repo *remote.Repository, tag string) {
	t.Helper()
	for _, b := range []struct {
		desc ocispec.Descriptor
		data []byte
	}{{img.config, img.configData}, {img.layer, img.layerData}} {
		if err := repo.Push(ctx, b.desc, bytes.NewReader(b.data)); err != nil {
			t.Fatalf("push blob: %v", err)
		}
	}
	if err := repo.PushReference(ctx, img.manifest, bytes.NewReader(img.manifestData), tag); err != nil {
		t.Fatalf("push manifest: %v", err)
	}
}

// newTestClient returns a Client with fast retries for tests.
func newTestClient(t *testing.T, opts Options) *Client {
	t.Helper()
	if opts.MinBackoff == 0 {
		opts.MinBackoff = time.Millisecond
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 20 * time.Millisecond
	}
	if opts.DockerConfig == "" {
		opts.DockerConfig = filepath.Join(t.TempDir(), "config.json") // none: no credentials
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testRepo returns c's repository for host/name.
func testRepo(t *testing.T, c *Client, host, name string) *remote.Repository {
	t.Helper()
	repo, err := c.Repository(context.Background(), host, name)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// logBuffer collects log output safely from concurrent goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// debugLogger returns a debug-level logger writing to a buffer.
func debugLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}
