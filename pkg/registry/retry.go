package registry

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// policy is the retry policy shared by the transport and [Client.Retry].
type policy struct {
	attempts int
	min, max time.Duration
}

// backoff returns the wait after the failures-th failure (1-based): full
// jitter in [min, min(max, min*2^(failures-1))].
func (p policy) backoff(failures int) time.Duration {
	ceil := p.min
	for i := 1; i < failures && ceil < p.max; i++ {
		ceil *= 2
	}
	ceil = min(ceil, p.max)
	if ceil <= p.min {
		return p.min
	}
	return p.min + rand.N(ceil-p.min+1)
}

// retryAfterCap bounds a server's Retry-After: MaxBackoff*6 or 60s,
// whichever is larger.
func (p policy) retryAfterCap() time.Duration {
	return max(6*p.max, time.Minute)
}

// wait returns the wait after the failures-th failure, honouring a
// Retry-After (capped) when the server sent one.
func (p policy) wait(failures int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, p.retryAfterCap())
	}
	return p.backoff(failures)
}

// Retry is the engine-level retry policy, for work the transport cannot
// replay (a blob copy streams from source to target). attempt is the number
// of failures so far, 1-based. It reports whether to try again and how long
// to wait first: the server's Retry-After when err carries one (see
// [RetryAfterError]), otherwise jittered exponential backoff. It uses the
// classification of [IsRetryable] and the Client's MaxAttempts.
func (c *Client) Retry(attempt int, err error) (wait time.Duration, retry bool) {
	if attempt < 1 || attempt >= c.policy.attempts || !IsRetryable(err) {
		return 0, false
	}
	var after time.Duration
	var ra *RetryAfterError
	if errors.As(err, &ra) {
		after = ra.After
	}
	return c.policy.wait(attempt, after), true
}

// parseRetryAfter reads a Retry-After header: delta-seconds or an HTTP-date.
// It returns 0 when there is none, it is malformed or already past.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// replayable reports whether req can be sent again: GET and HEAD always,
// others when their body can be rewound (or there is none).
func replayable(req *http.Request) bool {
	switch {
	case req.Method == http.MethodGet || req.Method == http.MethodHead:
		return true
	case req.Body == nil || req.Body == http.NoBody:
		return true
	default:
		return req.GetBody != nil
	}
}

// rewind returns a copy of req ready to be sent again.
func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return r, nil
}
