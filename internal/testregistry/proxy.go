package testregistry

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Request is what the proxy saw of one request.
type Request struct {
	Method, Path, Query string
	BodyBytes           int64 // request body bytes forwarded (uploads)
	Status              int   // response status, 0 when the proxy injected a fault
}

// Fault decides, for each request, whether to answer it with a fault
// instead of forwarding it. n counts requests with the same method and
// path so far (1 for the first); uploads count by digest, since each
// attempt gets a new upload session path.
type Fault func(r *http.Request, n int) Action

// Action is what the proxy does with a request.
type Action int

const (
	// Forward passes the request on.
	Forward Action = iota
	// Status503 answers 503 Service Unavailable.
	Status503
	// Status429 answers 429 Too Many Requests with Retry-After: 1.
	Status429
	// Reset closes the connection without an answer.
	Reset
	// TruncateResponse forwards, then cuts the response body in half and
	// closes the connection.
	TruncateResponse
	// TruncateUpload forwards only half of the request body, then closes
	// the upstream request: the registry sees a short upload.
	TruncateUpload
)

// Proxy is a reverse proxy in front of a registry that counts requests
// and injects faults. It is a real HTTP server; the registry behind it is
// real too.
type Proxy struct {
	Registry
	mu       sync.Mutex
	requests []Request
	counts   map[string]int
	fault    atomic.Pointer[Fault]
	inflight atomic.Int64
	maxUp    atomic.Int64
}

// NewProxy starts a proxy in front of reg, stopped when the test ends.
func NewProxy(t testing.TB, reg *Registry) *Proxy {
	t.Helper()
	target, _ := url.Parse(reg.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = nil
	p := &Proxy{counts: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		key := faultKey(r)
		p.counts[key]++
		n := p.counts[key]
		p.mu.Unlock()
		action := Forward
		if f := p.fault.Load(); f != nil {
			action = (*f)(r, n)
		}
		rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
		upload := r.Method == http.MethodPut || r.Method == http.MethodPatch
		if upload {
			if c := p.inflight.Add(1); c > p.maxUp.Load() {
				p.maxUp.Store(c)
			}
			defer p.inflight.Add(-1)
		}
		switch action {
		case Status503:
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16))
			http.Error(w, "injected", http.StatusServiceUnavailable)
		case Status429:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "injected", http.StatusTooManyRequests)
		case Reset:
			hijackClose(w)
		case TruncateUpload:
			r.Body = &halfReader{r: r.Body, left: r.ContentLength / 2}
			r.ContentLength = -1
			fallthrough
		default:
			cr := &countReader{r: r.Body}
			r.Body = cr
			sw := &statusWriter{ResponseWriter: w}
			if action == TruncateResponse {
				sw.truncate = true
			}
			rp.ServeHTTP(sw, r)
			rec.BodyBytes = cr.n
			rec.Status = sw.status
			if sw.truncate {
				hijackClose(w)
			}
		}
		p.mu.Lock()
		p.requests = append(p.requests, rec)
		p.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	p.Registry = Registry{Host: strings.TrimPrefix(srv.URL, "http://"), URL: srv.URL}
	return p
}

// faultKey identifies "the same request" across retries: an upload's
// session path changes every time, its digest does not.
func faultKey(r *http.Request) string {
	path := r.URL.Path
	if i := strings.Index(path, "/blobs/uploads/"); i >= 0 {
		path = path[:i+len("/blobs/uploads/")] + "?digest=" + r.URL.Query().Get("digest")
	}
	return r.Method + " " + path
}

// SetFault installs f (nil removes it).
func (p *Proxy) SetFault(f Fault) {
	if f == nil {
		p.fault.Store(nil)
		return
	}
	p.fault.Store(&f)
}

// Requests returns what the proxy saw since the last Reset.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// ResetCounts forgets the requests seen so far.
func (p *Proxy) ResetCounts() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests, p.counts = nil, map[string]int{}
	p.maxUp.Store(0)
}

// MaxConcurrentUploads is the most PUT/PATCH requests in flight at once.
func (p *Proxy) MaxConcurrentUploads() int64 { return p.maxUp.Load() }

// UploadedBytes sums the request bodies of blob uploads (PUT and PATCH
// under /blobs/uploads/) that the registry accepted.
func (p *Proxy) UploadedBytes() int64 {
	var n int64
	for _, r := range p.Requests() {
		if (r.Method == http.MethodPut || r.Method == http.MethodPatch) && strings.Contains(r.Path, "/blobs/uploads/") && r.Status < 300 {
			n += r.BodyBytes
		}
	}
	return n
}

func hijackClose(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST, not FIN
			}
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

type countReader struct {
	r io.ReadCloser
	n int64
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
func (c *countReader) Close() error { return c.r.Close() }

type halfReader struct {
	r    io.ReadCloser
	left int64
}

func (h *halfReader) Read(b []byte) (int, error) {
	if h.left <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(b)) > h.left {
		b = b[:h.left]
	}
	n, err := h.r.Read(b)
	h.left -= int64(n)
	return n, err
}
func (h *halfReader) Close() error { return h.r.Close() }

// statusWriter records the status and can cut the body in half.
type statusWriter struct {
	http.ResponseWriter
	status   int
	truncate bool
	limit    int64
	written  int64
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	if s.truncate {
		if cl := s.Header().Get("Content-Length"); cl != "" {
			var n int64
			for _, c := range cl {
				n = n*10 + int64(c-'0')
			}
			s.limit = n / 2
		}
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	if s.truncate && s.limit > 0 {
		room := s.limit - s.written
		if room <= 0 {
			return len(b), nil // dropped: the connection is closed afterwards
		}
		if int64(len(b)) > room {
			b = b[:room]
		}
	}
	n, err := s.ResponseWriter.Write(b)
	s.written += int64(n)
	return n, err
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
