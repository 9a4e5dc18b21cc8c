package registry

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	"github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/bcrypt"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
)

func TestMain(m *testing.M) {
	// The distribution registry logs every request through logrus.
	logrus.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// testRegistry is a CNCF distribution registry served in-process.
type testRegistry struct {
	URL  string // http(s)://127.0.0.1:PORT
	Host string // 127.0.0.1:PORT

	mu     sync.Mutex
	protos map[int]int // requests seen per HTTP major version
}

type testRegistryConfig struct {
	conf configuration.Configuration
	tls  bool
}

type testRegistryOption func(t *testing.T, c *testRegistryConfig)

// withHtpasswd protects the registry with basic auth for one user.
func withHtpasswd(user, pass string) testRegistryOption {
	return func(t *testing.T, c *testRegistryConfig) {
		hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "htpasswd")
		if err := os.WriteFile(path, fmt.Appendf(nil, "%s:%s\n", user, hash), 0o600); err != nil {
			t.Fatal(err)
		}
		c.conf.Auth = configuration.Auth{"htpasswd": configuration.Parameters{"realm": "test", "path": path}}
	}
}

// withTLS serves the registry over HTTPS (HTTP/2 enabled) with httptest's
// self-signed certificate.
func withTLS() testRegistryOption {
	return func(_ *testing.T, c *testRegistryConfig) { c.tls = true }
}

func newTestRegistry(t *testing.T, opts ...testRegistryOption) *testRegistry {
	t.Helper()
	c := &testRegistryConfig{conf: configuration.Configuration{
		Storage: configuration.Storage{
			"inmemory": configuration.Parameters{},
			"maintenance": configuration.Parameters{"uploadpurging": map[any]any{
				"enabled": false,
			}},
		},
	}}
	c.conf.HTTP.Secret = "test-secret"
	for _, o := range opts {
		o(t, c)
	}
	app := handlers.NewApp(context.Background(), &c.conf)
	r := &testRegistry{protos: map[int]int{}}
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.protos[req.ProtoMajor]++
		r.mu.Unlock()
		app.ServeHTTP(w, req)
	})
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshake errors are expected
	if c.tls {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	r.Host = strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://")
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
