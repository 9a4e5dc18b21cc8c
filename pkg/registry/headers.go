package registry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"time"
)

// headerTimeout bounds, per attempt, the wait for response headers once the
// request is written: Options.RequestTimeout for ordinary requests, and
// Options.CommitTimeout for the request that completes a blob upload. A
// registry on object storage moves the blob into place before it answers
// that one (S3 copies a multi-gigabyte layer for a minute or more), and a
// short timeout there would upload the blob again and again. While a commit
// is awaited the connection's idle timeout is lifted to the commit timeout
// too; the upload itself keeps the idle timeout.
type headerTimeout struct {
	next           http.RoundTripper
	normal, commit time.Duration
}

// isCommit reports whether req completes a blob upload: a PUT (or a
// monolithic POST) to /blobs/uploads/ carrying the digest.
func isCommit(req *http.Request) bool {
	return (req.Method == http.MethodPut || req.Method == http.MethodPost) &&
		strings.Contains(req.URL.Path, "/blobs/uploads/") && req.URL.Query().Get("digest") != ""
}

func (h *headerTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	wait := h.normal
	commit := isCommit(req)
	if commit {
		wait = max(h.commit, h.normal)
	}
	if wait <= 0 {
		return h.next.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	var (
		mu    sync.Mutex
		timer *time.Timer
		conn  *idleConn
		done  bool
	)
	stop := func() {
		mu.Lock()
		defer mu.Unlock()
		done = true
		if timer != nil {
			timer.Stop()
		}
		if conn != nil {
			conn.allow(0)
			conn = nil
		}
	}
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			if commit {
				mu.Lock()
				conn = idleConnOf(info.Conn)
				mu.Unlock()
			}
		},
		WroteRequest: func(httptrace.WroteRequestInfo) {
			mu.Lock()
			defer mu.Unlock()
			if done {
				return
			}
			if conn != nil {
				conn.allow(2 * wait) // the header timeout, not silence, ends the wait
			}
			if timer != nil {
				timer.Stop() // the transport wrote the request again on a new connection
			}
			timer = time.AfterFunc(wait, func() { cancel(&headerTimeoutError{wait: wait, commit: commit}) })
		},
		GotFirstResponseByte: stop,
	}
	resp, err := h.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	stop()
	if err != nil {
		cause := context.Cause(ctx)
		cancel(nil)
		if te, ok := cause.(*headerTimeoutError); ok && req.Context().Err() == nil {
			return nil, te // the client wraps it with the method and URL
		}
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

// cancelOnClose releases a request's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// headerTimeoutError is a registry that did not answer in time. It is a
// timeout, hence retryable.
type headerTimeoutError struct {
	wait   time.Duration
	commit bool
}

func (e *headerTimeoutError) Error() string {
	if e.commit {
		return fmt.Sprintf("no response within %s after the upload was complete (commit timeout)", e.wait)
	}
	return fmt.Sprintf("no response headers within %s (request timeout)", e.wait)
}
func (e *headerTimeoutError) Timeout() bool   { return true }
func (e *headerTimeoutError) Temporary() bool { return true }
