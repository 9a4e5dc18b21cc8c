package registry

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/airlift-cli/airlift/internal/redact"
)

// newHTTPTransport returns the connection layer: dial and TLS timeouts, the
// idle timeout on every connection, bounded connections per host, HTTP/2
// when TLS offers it, proxies from the environment. The wait for response
// headers is bounded per request by headerTimeout.
func newHTTPTransport(o Options, base *tls.Config, insecure bool) *http.Transport {
	conf := base.Clone()
	conf.InsecureSkipVerify = insecure // only for hosts listed in Options.Insecure
	dialer := &net.Dialer{Timeout: o.RequestTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           idleDialer(dialer, o.IdleTimeout),
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   o.RequestTimeout,
		ExpectContinueTimeout: time.Second,
		MaxConnsPerHost:       o.MaxConnsPerHost,
		MaxIdleConnsPerHost:   o.MaxConnsPerHost,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSClientConfig:       conf,
	}
}

// hostRouter sends requests for Insecure hosts through a transport that does
// not verify certificates, and everything else through the verifying one.
type hostRouter struct {
	secure, insecure http.RoundTripper
	insecureHosts    hostSet
}

func (h *hostRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	if h.insecure != nil && req.URL.Scheme == "https" && h.insecureHosts.match(req.URL.Host) {
		return h.insecure.RoundTrip(req)
	}
	return h.secure.RoundTrip(req)
}

// retrier retries replayable requests that failed in a retryable way, and
// makes successful blob downloads resume after a broken connection.
type retrier struct {
	next   http.RoundTripper
	policy policy
	log    *slog.Logger

	reached sync.Map // host -> true once the host has answered anything
}

func (t *retrier) RoundTrip(req *http.Request) (*http.Response, error) {
	failures := 0
	return t.roundTrip(req, &failures, true)
}

// roundTrip sends req until it succeeds, fails in a way not worth retrying,
// or the attempts (counted in *failures, shared with body resumption) run
// out. The last response is returned as is, even with a retryable status,
// so that oras-go reports it in its usual way.
func (t *retrier) roundTrip(req *http.Request, failures *int, resumable bool) (*http.Response, error) {
	ctx := req.Context()
	canReplay := replayable(req)
	host := req.URL.Host
	var lastAfter time.Duration
	r := req
	for {
		resp, err := t.next.RoundTrip(r)
		if err == nil {
			if _, ok := t.reached.Load(host); !ok {
				t.reached.Store(host, true)
			}
		} else {
			err = t.classify(host, err)
		}
		retry := false
		var after time.Duration
		var reason string
		switch {
		case err != nil:
			retry, reason = IsRetryable(err), err.Error()
		case retryableStatus(resp.StatusCode):
			retry, reason = true, resp.Status
			after = parseRetryAfter(resp.Header, time.Now())
		}
		if !retry || !canReplay || *failures+1 >= t.policy.attempts || ctx.Err() != nil {
			if err != nil {
				if lastAfter > 0 && IsRetryable(err) {
					err = &RetryAfterError{After: lastAfter, Err: err}
				}
				return nil, err
			}
			if resumable {
				resp = t.resumable(r, resp, failures)
			}
			return resp, nil
		}
		*failures++
		if after > 0 {
			lastAfter = after
		}
		wait := t.policy.wait(*failures, after)
		t.log.DebugContext(ctx, "retrying registry request",
			"method", req.Method, "host", host, "path", req.URL.Path,
			"attempt", *failures+1, "wait", wait, "reason", redact.String(reason))
		if resp != nil {
			drain(resp.Body)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		if r, err = rewind(req); err != nil {
			return nil, fmt.Errorf("%s %s: rewind request body: %w", req.Method, redact.URL(req.URL), err)
		}
	}
}

// classify wraps a transport error: unreachable hosts become *HostError, a
// refusal from a host that has answered before becomes retryable.
func (t *retrier) classify(host string, err error) error {
	if errors.Is(err, syscall.ECONNREFUSED) {
		if _, ok := t.reached.Load(host); ok {
			return &refusedAfterConnectError{err: err}
		}
	}
	if fix, note, ok := hostFailure(err); ok {
		if note != "" {
			err = fmt.Errorf("%w (%s)", err, note)
		}
		return &HostError{Registry: host, Err: err, Fix: fix}
	}
	return err
}

// resumable wraps the body of a complete GET response of known length so
// that a connection broken mid-body is resumed with a Range request.
func (t *retrier) resumable(req *http.Request, resp *http.Response, failures *int) *http.Response {
	if req.Method != http.MethodGet || resp.StatusCode != http.StatusOK ||
		resp.ContentLength <= 0 || resp.Uncompressed || t.policy.attempts <= 1 {
		return resp
	}
	resp.Body = &resumableBody{
		t:        t,
		req:      req,
		cur:      resp.Body,
		size:     resp.ContentLength,
		etag:     resp.Header.Get("ETag"),
		failures: failures,
	}
	return resp
}

// drain reads a little of a response body we are discarding, so that the
// connection can be reused, then closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}
