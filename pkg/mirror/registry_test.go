package mirror

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airlift-cli/airlift/internal/testregistry"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
	"github.com/opencontainers/go-digest"
	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
)

func init() {
	// distribution logs through logrus' standard logger (every 404 HEAD at
	// error level): keep test output readable.
	logrus.SetOutput(io.Discard)
}

// testRegistry is an in-process CNCF distribution registry behind a
// recording wrapper.
type testRegistry struct {
	host string // 127.0.0.1:port
	rec  *recorder
}

// newRegistry starts a registry (internal/testregistry) with in-memory
// storage, or filesystem storage under dir when dir is not empty, behind a
// recorder.
func newRegistry(t testing.TB, dir string) *testRegistry {
	t.Helper()
	rec := &recorder{}
	opts := []testregistry.Option{testregistry.WithHandler(func(next http.Handler) http.Handler {
		rec.next = next
		return rec
	})}
	if dir != "" {
		opts = append(opts, testregistry.WithFilesystem(dir))
	}
	reg := testregistry.Start(t, opts...)
	return &testRegistry{host: reg.Host, rec: rec}
}

// testClient is shared by all repositories of the tests: plain HTTP with
// enough idle connections for Jobs transfers.
var testClient = &http.Client{Transport: &http.Transport{
	MaxIdleConns:        64,
	MaxIdleConnsPerHost: 32,
	IdleConnTimeout:     30 * time.Second,
}}

// repo returns an oras-go repository of r (a fresh one: no shared state).
func (r *testRegistry) repo(name string) *remote.Repository {
	return &remote.Repository{
		Client:    testClient,
		Reference: registry.Reference{Registry: r.host, Repository: name},
		PlainHTTP: true,
	}
}

// repositoryFunc is Options.Repository for the test registries.
func repositoryFunc(regs ...*testRegistry) func(context.Context, string, string) (Repo, error) {
	return func(_ context.Context, host, name string) (Repo, error) {
		for _, r := range regs {
			if r.host == host {
				return r.repo(name), nil
			}
		}
		return nil, fmt.Errorf("unknown test registry %s", host)
	}
}

// request is one recorded request.
type request struct {
	method, path, query string
}

func (q request) isBlobUploadPut() bool {
	return q.method == http.MethodPut && strings.Contains(q.path, "/blobs/uploads/")
}

func (q request) isMount() bool {
	return q.method == http.MethodPost && strings.Contains(q.query, "mount=")
}

func (q request) isBlob() bool { return strings.Contains(q.path, "/blobs/") }

// about reports whether the request names digest d: an upload PUT
// (?digest=), a mount (?mount=) or a blob or manifest path.
func (q request) about(d digest.Digest) bool {
	v, _ := url.ParseQuery(q.query)
	return v.Get("digest") == d.String() || v.Get("mount") == d.String() || strings.HasSuffix(q.path, "/"+d.String())
}

// recorder records requests, counts concurrent blob transfers (upload PUTs
// and blob GETs) and lets a test inject faults.
type recorder struct {
	next http.Handler

	mu    sync.Mutex
	reqs  []request
	fault func(w http.ResponseWriter, r *http.Request) bool // true: handled (fault injected)
	delay time.Duration                                     // added to every blob transfer

	transfers, maxTransfers atomic.Int64
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := request{r.Method, r.URL.Path, r.URL.RawQuery}
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, q)
	fault, delay := rec.fault, rec.delay
	rec.mu.Unlock()
	if q.isBlobUploadPut() || (q.method == http.MethodGet && q.isBlob()) {
		n := rec.transfers.Add(1)
		for {
			m := rec.maxTransfers.Load()
			if n <= m || rec.maxTransfers.CompareAndSwap(m, n) {
				break
			}
		}
		defer rec.transfers.Add(-1)
		time.Sleep(delay)
	}
	if fault != nil && fault(w, r) {
		return
	}
	rec.next.ServeHTTP(w, r)
}

// reset forgets recorded requests and the concurrency peak.
func (rec *recorder) reset() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = nil
	rec.maxTransfers.Store(0)
}

// setDelay adds d to every blob transfer from now on.
func (rec *recorder) setDelay(d time.Duration) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.delay = d
}

func (rec *recorder) setFault(f func(w http.ResponseWriter, r *http.Request) bool) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.fault = f
}

// requests returns the recorded requests matching keep (all when nil).
func (rec *recorder) requests(keep func(request) bool) []request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []request
	for _, q := range rec.reqs {
		if keep == nil || keep(q) {
			out = append(out, q)
		}
	}
	return out
}

func (rec *recorder) count(keep func(request) bool) int { return len(rec.requests(keep)) }
