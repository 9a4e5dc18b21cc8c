package testregistry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"

	// Storage drivers register themselves.
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

// Registry is a running registry.
type Registry struct {
	// Host is "127.0.0.1:PORT", to use in image references (plain HTTP).
	Host string
	// URL is "http://127.0.0.1:PORT".
	URL string
}

// Option changes the in-process registry.
type Option func(*config)

type config struct {
	dir  string
	wrap func(http.Handler) http.Handler
}

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
	ctx, cancel := context.WithCancel(context.Background())
	var h http.Handler = handlers.NewApp(ctx, cfg)
	if c.wrap != nil {
		h = c.wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		cancel()
	})
	return &Registry{Host: strings.TrimPrefix(srv.URL, "http://"), URL: srv.URL}
}
