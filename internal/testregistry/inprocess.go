package testregistry

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/distribution/distribution/v3/configuration"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd" // registers the htpasswd access controller
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/bcrypt"

	// Storage drivers register themselves.
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

// Registry is a running registry.
type Registry struct {
	// Host is "127.0.0.1:PORT", to use in image references (plain HTTP).
	Host string
	// URL is "http://127.0.0.1:PORT" ("https://" WithTLS).
	URL string
	// CAFile is a PEM file of the certificate a registry started WithTLS
	// serves (httptest's, for 127.0.0.1 and example.com); "" otherwise.
	CAFile string
}

// Option changes a registry. WithFilesystem, WithHandler and WithTLS apply
// to in-process registries; WithBasicAuth to both kinds.
type Option func(*config)

type config struct {
	dir        string
	wrap       func(http.Handler) http.Handler
	tls        bool
	user, pass string
}

// WithTLS serves the in-process registry over HTTPS (HTTP/2 enabled) with
// httptest's self-signed certificate.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// WithBasicAuth makes the registry require user and password (htpasswd).
func WithBasicAuth(user, password string) Option {
	return func(c *config) { c.user, c.pass = user, password }
}

var quietLogs sync.Once

// WithFilesystem stores blobs under dir instead of in memory.
func WithFilesystem(dir string) Option { return func(c *config) { c.dir = dir } }

// WithHandler wraps the registry's handler: to count requests or inject
// faults in front of a real registry.
func WithHandler(wrap func(http.Handler) http.Handler) Option {
	return func(c *config) { c.wrap = wrap }
}

// Start starts an in-process registry, stopped when the test ends.
func Start(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	var c config
	for _, o := range opts {
		o(&c)
	}
	cfg := &configuration.Configuration{}
	cfg.Log.Level = "error"
	cfg.Log.AccessLog.Disabled = true
	if c.dir != "" {
		cfg.Storage = configuration.Storage{"filesystem": configuration.Parameters{"rootdirectory": c.dir}}
	} else {
		cfg.Storage = configuration.Storage{"inmemory": configuration.Parameters{}}
	}
	cfg.Storage["delete"] = configuration.Parameters{"enabled": true}
	cfg.Storage["maintenance"] = configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}}
	cfg.HTTP.Secret = "airlift-test-secret"
	if c.user != "" {
		cfg.Auth = configuration.Auth{"htpasswd": configuration.Parameters{"realm": "airlift-test", "path": htpasswd(t, t.TempDir(), c.user, c.pass)}}
	}
	// distribution logs every request through logrus' standard logger.
	quietLogs.Do(func() { logrus.SetOutput(io.Discard) })
	ctx, cancel := context.WithCancel(context.Background())
	var h http.Handler = handlers.NewApp(ctx, cfg)
	if c.wrap != nil {
		h = c.wrap(h)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshake errors are expected in tests
	if c.tls {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		srv.Close()
		cancel()
	})
	host := strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://")
	r := &Registry{Host: host, URL: srv.URL}
	if c.tls {
		r.CAFile = filepath.Join(t.TempDir(), "ca.pem")
		block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(r.CAFile, block, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// htpasswd writes a one-user htpasswd file into dir and returns its path.
func htpasswd(t testing.TB, dir, user, pass string) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(path, []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
