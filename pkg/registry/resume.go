package registry

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/airlift-cli/airlift/internal/redact"
)

// resumableBody is the body of a GET response of known length. When the
// connection breaks mid-body (reset, unexpected EOF, idle timeout) it asks
// again for the rest with "Range: bytes=N-" (and If-Range with a strong
// ETag), so a large blob download is not restarted nor failed by one broken
// connection. A server that answers 200 instead of 206 has the first N bytes
// skipped. Attempts are shared with the request's retries.
type resumableBody struct {
	t        *retrier
	req      *http.Request
	mu       sync.Mutex // guards cur and closed against a concurrent Close
	cur      io.ReadCloser
	off      int64 // bytes delivered so far
	size     int64 // Content-Length of the first response
	etag     string
	failures *int
	err      error // sticky error once resumption gave up
	closed   bool
}

func (b *resumableBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	for {
		b.mu.Lock()
		cur := b.cur
		b.mu.Unlock()
		n, err := cur.Read(p)
		b.off += int64(n)
		if err == nil || (err == io.EOF && b.off >= b.size) {
			return n, err
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if rerr := b.resume(err); rerr != nil {
			b.err = rerr
			return n, rerr
		}
		if n > 0 {
			return n, nil
		}
	}
}

// resume replaces the broken body with the rest of the content, or returns
// the error to report.
func (b *resumableBody) resume(cause error) error {
	ctx := b.req.Context()
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed || !IsRetryable(cause) || ctx.Err() != nil || *b.failures+1 >= b.t.policy.attempts {
		return cause
	}
	_ = b.cur.Close()
	*b.failures++
	wait := b.t.policy.backoff(*b.failures)
	b.t.log.DebugContext(ctx, "resuming registry download",
		"host", b.req.URL.Host, "path", b.req.URL.Path, "offset", b.off, "size", b.size,
		"attempt", *b.failures+1, "wait", wait, "reason", redact.String(cause.Error()))
	if err := sleep(ctx, wait); err != nil {
		return err
	}
	r := b.req.Clone(ctx)
	r.Header.Set("Range", fmt.Sprintf("bytes=%d-", b.off))
	if b.etag != "" && !strings.HasPrefix(b.etag, "W/") {
		r.Header.Set("If-Range", b.etag)
	}
	resp, err := b.t.roundTrip(r, b.failures, false)
	if err != nil {
		return fmt.Errorf("%w (resuming download at byte %d: %v)", cause, b.off, err)
	}
	b.t.log.DebugContext(ctx, "registry download resumed", "host", b.req.URL.Host, "status", resp.StatusCode)
	switch {
	case resp.StatusCode == http.StatusPartialContent && contentRangeStart(resp.Header.Get("Content-Range")) == b.off:
		return b.install(resp.Body, cause)
	case resp.StatusCode == http.StatusOK && resp.ContentLength == b.size:
		// No range support: skip what was already delivered.
		if _, err := io.CopyN(io.Discard, resp.Body, b.off); err != nil {
			drain(resp.Body)
			return fmt.Errorf("%w (resuming download at byte %d: %v)", cause, b.off, err)
		}
		return b.install(resp.Body, cause)
	default:
		drain(resp.Body)
		return fmt.Errorf("%w (resuming download at byte %d: server answered %s)", cause, b.off, resp.Status)
	}
}

// install makes body the one read from, unless Close came first.
func (b *resumableBody) install(body io.ReadCloser, cause error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		_ = body.Close()
		return cause
	}
	b.cur = body
	return nil
}

func (b *resumableBody) Close() error {
	b.mu.Lock()
	b.closed = true
	cur := b.cur
	b.mu.Unlock()
	return cur.Close()
}

// contentRangeStart returns the first byte of "bytes FIRST-LAST/SIZE", or -1.
func contentRangeStart(v string) int64 {
	var first, last int64
	var size string
	if _, err := fmt.Sscanf(v, "bytes %d-%d/%s", &first, &last, &size); err != nil {
		return -1
	}
	return first
}
