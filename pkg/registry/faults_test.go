package registry

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// faultProxy is a reverse proxy in front of a test registry that injects
// failures into the requests matching a fault, and counts them.
type faultProxy struct {
	Host  string
	proxy *httputil.ReverseProxy

	mu     sync.Mutex
	faults []*fault
}

// fault matches requests by method and path and fails the first times of
// them with action; later ones pass through. It records every match.
type fault struct {
	method string
	path   *regexp.Regexp
	times  int
	action faultAction

	seen   int
	ranges []string // Range header of each matching request
}

type faultAction func(w http.ResponseWriter, r *http.Request, next http.Handler)

func newFaultProxy(t *testing.T, target *testRegistry) *faultProxy {
	t.Helper()
	u, err := url.Parse(target.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{proxy: httputil.NewSingleHostReverseProxy(u)}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	p.Host = strings.TrimPrefix(srv.URL, "http://")
	return p
}

// inject adds a fault for the duration of the test.
func (p *faultProxy) inject(t *testing.T, method, pathRE string, times int, action faultAction) *fault {
	f := &fault{method: method, path: regexp.MustCompile(pathRE), times: times, action: action}
	p.mu.Lock()
	p.faults = append(p.faults, f)
	p.mu.Unlock()
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for i, g := range p.faults {
			if g == f {
				p.faults = append(p.faults[:i], p.faults[i+1:]...)
				break
			}
		}
	})
	return f
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	var action faultAction
	for _, f := range p.faults {
		if f.method == r.Method && f.path.MatchString(r.URL.Path) {
			f.seen++
			f.ranges = append(f.ranges, r.Header.Get("Range"))
			if f.times > 0 {
				f.times--
				action = f.action
			}
			break
		}
	}
	p.mu.Unlock()
	if action != nil {
		action(w, r, p.proxy)
		return
	}
	p.proxy.ServeHTTP(w, r)
}

// Seen returns how many requests matched f.
func (f *fault) Seen(p *faultProxy) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return f.seen
}

// Ranges returns the Range header of each request that matched f.
func (f *fault) Ranges(p *faultProxy) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), f.ranges...)
}

// respond answers with status, the given header pairs and a registry error
// body.
func respond(status int, header ...string) faultAction {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"errors":[{"code":"UNAVAILABLE","message":"injected failure"}]}`))
	}
}

// resetConn hijacks the connection and closes it with a TCP reset.
func resetConn(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// truncateBody forwards the request, announces the full Content-Length,
// sends half of the body and closes the connection.
func truncateBody(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.Close()
}
