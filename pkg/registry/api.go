package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/airlift-cli/airlift/internal/redact"
)

// apiRequest is a request to a registry's own HTTP API, beside the
// distribution API (Harbor's /api/v2.0).
type apiRequest struct {
	method, path string
	query        url.Values
	body         any // sent as JSON when not nil
	// anonymous sends no credentials (Harbor's systeminfo, asked of hosts
	// that may not be a Harbor at all).
	anonymous bool
}

// api sends r to host through the Client's transport (TLS policy per
// host, timeouts, retries: a POST with a JSON body is replayable) with the
// registry credentials registry requests use (a Login, the docker config
// or its credential helper) as basic auth, to that host only. The caller
// closes the body of the response. A 401 is an [*AuthError] (the response
// consumed), which says when no credentials were found; other statuses
// are the caller's to read.
func (c *Client) api(ctx context.Context, host string, r apiRequest) (*http.Response, error) {
	u := url.URL{Scheme: c.scheme(host), Host: host, Path: r.path, RawQuery: r.query.Encode()}
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.method, redact.URL(&u), err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, redact.Error(err)
	}
	if body == nil {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	sent := false
	if !r.anonymous {
		cred, err := c.credential(ctx, host)
		if err != nil {
			return nil, &AuthError{Registry: host, Err: redact.Error(err)}
		}
		if cred.Username != "" && cred.Password != "" {
			req.SetBasicAuth(cred.Username, cred.Password)
			sent = true
		}
	}
	resp, err := c.webDo(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, redact.URL(&u), err)
	}
	if resp.StatusCode == http.StatusUnauthorized && !r.anonymous {
		err := error(errorResponse(resp))
		if !sent {
			err = fmt.Errorf("no credentials found for %s in %s: %w (%w)", host, c.lookedIn(host), auth.ErrBasicCredentialNotFound, err)
		}
		return nil, &AuthError{Registry: host, Err: redact.Error(c.withCredentialFailure(host, err))}
	}
	return resp, nil
}
