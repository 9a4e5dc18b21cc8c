package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

func statusErr(code int, codes ...string) error {
	u, _ := url.Parse("https://registry.example/v2/team/app/blobs/uploads/1")
	e := &errcode.ErrorResponse{Method: http.MethodPut, URL: u, StatusCode: code}
	for _, c := range codes {
		e.Errors = append(e.Errors, errcode.Error{Code: c, Message: "injected"})
	}
	return e
}

func TestIsRetryable(t *testing.T) {
	t.Parallel()
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	timeout := &url.Error{Op: "Get", URL: "https://registry.example/v2/",
		Err: &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"503", statusErr(http.StatusServiceUnavailable), true},
		{"500", statusErr(http.StatusInternalServerError), true},
		{"502", statusErr(http.StatusBadGateway), true},
		{"504", statusErr(http.StatusGatewayTimeout), true},
		{"429", statusErr(http.StatusTooManyRequests), true},
		{"408", statusErr(http.StatusRequestTimeout), true},
		{"501 not implemented", statusErr(http.StatusNotImplemented), false},
		{"404", statusErr(http.StatusNotFound, errcode.ErrorCodeBlobUnknown), false},
		{"400 digest invalid (truncated upload)", statusErr(http.StatusBadRequest, errcode.ErrorCodeDigestInvalid), true},
		{"400 manifest invalid", statusErr(http.StatusBadRequest, errcode.ErrorCodeManifestInvalid), false},
		{"401 response", statusErr(http.StatusUnauthorized), false},
		{"wrapped 503", fmt.Errorf("copy layer: %w", statusErr(http.StatusServiceUnavailable)), true},
		{"AuthError", &AuthError{Registry: "quay.io", Err: statusErr(http.StatusForbidden)}, false},
		{"HostError", &HostError{Registry: "registry.invalid", Err: refused}, false},
		{"RetryAfterError over 429", &RetryAfterError{After: time.Second, Err: statusErr(http.StatusTooManyRequests)}, true},
		{"ECONNRESET", reset, true},
		{"ECONNRESET in url.Error", &url.Error{Op: "Get", URL: "https://x/", Err: reset}, true},
		{"EPIPE", &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}, true},
		{"ECONNREFUSED on first contact", refused, false},
		{"ECONNREFUSED after connect", &refusedAfterConnectError{err: refused}, true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"wrapped unexpected EOF", fmt.Errorf("read blob: %w", io.ErrUnexpectedEOF), true},
		{"url.Error timeout", timeout, true},
		{"idle timeout", &idleTimeoutError{idle: time.Minute}, true},
		{"downloaded digest mismatch", fmt.Errorf("verify: %w", content.ErrMismatchedDigest), true},
		{"context canceled", context.Canceled, false},
		{"context canceled in url.Error", &url.Error{Op: "Get", URL: "https://x/", Err: context.Canceled}, false},
		{"caller deadline", context.DeadlineExceeded, false},
		{"not found", fmt.Errorf("v1: %w", errdef.ErrNotFound), false},
		{"DNS failure", &net.DNSError{Err: "no such host", Name: "registry.invalid", IsNotFound: true}, false},
		{"other", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := IsRetryable(tt.err); got != tt.want {
				t.Errorf("IsRetryable(%v) = %t, want %t", tt.err, got, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "1", time.Second},
		{"seconds with spaces", " 120 ", 2 * time.Minute},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"garbage", "soon", 0},
		{"HTTP-date", now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{"RFC 850 date", now.Add(30 * time.Second).Format(time.RFC850), 30 * time.Second},
		{"past date", now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"absurd", "99999999999", 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.value != "" {
				h.Set("Retry-After", tt.value)
			}
			if got := parseRetryAfter(h, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.value, got, tt.want)
			}
		})
	}
}

func TestBackoffFullJitter(t *testing.T) {
	t.Parallel()
	p := policy{attempts: 10, min: 100 * time.Millisecond, max: time.Second}
	for failures := 1; failures <= 8; failures++ {
		ceil := min(p.min<<(failures-1), p.max)
		var lo, hi time.Duration = time.Hour, 0
		for range 2000 {
			d := p.backoff(failures)
			if d < p.min || d > ceil {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", failures, d, p.min, ceil)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if failures > 1 && hi-lo < (ceil-p.min)/2 {
			t.Errorf("backoff(%d) spread %s..%s, want jitter over [%s, %s]", failures, lo, hi, p.min, ceil)
		}
	}
}

func TestClientRetry(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, MaxAttempts: 3})
	slow := newTestClient(t, Options{MaxBackoff: 20 * time.Second})
	unavailable := statusErr(http.StatusServiceUnavailable)
	tests := []struct {
		name      string
		c         *Client
		attempt   int
		err       error
		wantRetry bool
		wantMin   time.Duration
		wantMax   time.Duration
	}{
		{name: "first failure", c: c, attempt: 1, err: unavailable, wantRetry: true, wantMin: 10 * time.Millisecond, wantMax: 20 * time.Millisecond},
		{name: "second failure", c: c, attempt: 2, err: unavailable, wantRetry: true, wantMin: 10 * time.Millisecond, wantMax: 40 * time.Millisecond},
		{name: "attempts used up", c: c, attempt: 3, err: unavailable},
		{name: "not retryable", c: c, attempt: 1, err: statusErr(http.StatusNotFound)},
		{name: "canceled", c: c, attempt: 1, err: context.Canceled},
		{name: "Retry-After honoured", c: c, attempt: 1, err: &RetryAfterError{After: 3 * time.Second, Err: unavailable},
			wantRetry: true, wantMin: 3 * time.Second, wantMax: 3 * time.Second},
		{name: "Retry-After capped at 60s", c: c, attempt: 1, err: &RetryAfterError{After: time.Hour, Err: unavailable},
			wantRetry: true, wantMin: time.Minute, wantMax: time.Minute},
		{name: "Retry-After capped at MaxBackoff*6", c: slow, attempt: 1, err: &RetryAfterError{After: time.Hour, Err: unavailable},
			wantRetry: true, wantMin: 2 * time.Minute, wantMax: 2 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wait, retry := tt.c.Retry(tt.attempt, tt.err)
			if retry != tt.wantRetry || wait < tt.wantMin || wait > tt.wantMax {
				t.Errorf("Retry(%d, %v) = %s, %t; want %t within [%s, %s]",
					tt.attempt, tt.err, wait, retry, tt.wantRetry, tt.wantMin, tt.wantMax)
			}
		})
	}
}
