package registry

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/airlift-cli/airlift/internal/redact"
)

// maxManifestBuffer bounds the manifest bodies buffered for replay.
const maxManifestBuffer = 4 << 20

// doer is the remote.Client given to oras-go: the auth.Client, with
// failures turned into the package's typed errors.
type doer struct{ c *Client }

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	req, err := bufferManifest(req)
	if err != nil {
		return nil, err
	}
	host := req.URL.Host
	resp, err := d.c.auth.Do(req)
	if err != nil {
		return nil, d.c.typedError(host, err)
	}
	if resp.StatusCode < 400 {
		return resp, nil
	}
	var after time.Duration
	if retryableStatus(resp.StatusCode) {
		after = parseRetryAfter(resp.Header, time.Now())
	}
	redirected := resp.Request != nil && resp.Request.URL.Host != host
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, &AuthError{Registry: host, Err: d.c.withCredentialFailure(host, errorResponse(resp))}
	case after > 0:
		return nil, &RetryAfterError{After: after, Err: errorResponse(resp)}
	case redirected && resp.StatusCode != http.StatusNotFound:
		// A failure after a redirect (to blob storage): oras-go would quote
		// the presigned URL, signature included. (A 404 stays a response:
		// oras-go turns it into errdef.ErrNotFound without the URL.)
		return nil, errorResponse(resp)
	}
	return resp, nil
}

// typedError turns an error from the auth client into *AuthError or
// *HostError where it is one, with URLs redacted.
func (c *Client) typedError(host string, err error) error {
	var hostErr *HostError
	if errors.As(err, &hostErr) {
		// Lift it above the *url.Error, keeping the URL in the message.
		inner := hostErr.Err
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			inner = &url.Error{Op: urlErr.Op, URL: urlErr.URL, Err: hostErr.Err}
		}
		return &HostError{Registry: hostErr.Registry, Err: redact.Error(inner), Fix: hostErr.Fix}
	}
	var credErr *credentialError
	if errors.As(err, &credErr) {
		return &AuthError{Registry: host, Err: redact.Error(err)}
	}
	if errors.Is(err, auth.ErrBasicCredentialNotFound) {
		err = fmt.Errorf("no credentials found for %s in %s: %w", host, c.lookedIn(host), err)
		return &AuthError{Registry: host, Err: redact.Error(c.withCredentialFailure(host, err))}
	}
	if resp, ok := asErrorResponse(err); ok &&
		(resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
		return &AuthError{Registry: host, Err: redact.Error(c.withCredentialFailure(host, err))}
	}
	return redact.Error(err)
}

var manifestPathRE = regexp.MustCompile(`^/v2/.+/manifests/[^/]+$`)

// bufferManifest reads the body of a manifest PUT that cannot be rewound
// into memory, so that it can be replayed after an auth challenge or a
// retryable failure. oras-go does this itself only when its client is an
// *auth.Client, which the doer is not. Blob uploads are left streaming.
func bufferManifest(req *http.Request) (*http.Request, error) {
	if req.Method != http.MethodPut || req.GetBody != nil || req.Body == nil || req.Body == http.NoBody ||
		req.ContentLength < 0 || req.ContentLength > maxManifestBuffer || !manifestPathRE.MatchString(req.URL.Path) {
		return req, nil
	}
	data, err := io.ReadAll(io.LimitReader(req.Body, req.ContentLength+1))
	_ = req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read manifest to push to %s: %w", redact.URL(req.URL), err)
	}
	if int64(len(data)) != req.ContentLength {
		return nil, fmt.Errorf("manifest to push to %s has %d bytes, want %d", redact.URL(req.URL), len(data), req.ContentLength)
	}
	r := req.Clone(req.Context())
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	r.Body, _ = r.GetBody()
	return r, nil
}
