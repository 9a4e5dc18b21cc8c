package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/airlift-cli/airlift/internal/redact"
)

// Get fetches an http(s) URL that is not a registry API: a chart
// repository's index, a chart archive, a values file. It goes through the
// same transport as registry requests (TLS settings per host, timeouts,
// retries with backoff, resumed downloads), so that a chart repository and
// an image registry on one host need one set of options. The URL's scheme
// decides between HTTP and HTTPS.
//
// The [Login] of the URL's host, if any, is sent as basic auth, to that
// host only (a redirect to another host does not carry it). The body is
// not decompressed: an archive served with Content-Encoding: gzip stays
// the archive. The caller closes the body of the response, whatever its
// status. Errors are the context's, a [*HostError] for a host that cannot
// be reached, or the transport's, with credentials masked.
func (c *Client) Get(ctx context.Context, rawURL string, header http.Header) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s is not an http(s) URL", redact.String(rawURL))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, http.NoBody)
	if err != nil {
		return nil, redact.Error(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	if l, ok := c.logins.find(u.Host); ok && u.User == nil {
		req.SetBasicAuth(l.Username, l.Password)
	}
	return c.webDo(ctx, req)
}

// webDo sends req through the web client (the registry transport; a
// redirect to another host drops the Authorization header). Errors are
// the context's, a [*HostError] for a host that cannot be reached, or the
// transport's, with credentials masked.
func (c *Client) webDo(ctx context.Context, req *http.Request) (*http.Response, error) {
	resp, err := c.web.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		var hostErr *HostError
		if errors.As(err, &hostErr) {
			return nil, &HostError{Registry: hostErr.Registry, Err: redact.Error(hostErr.Err), Fix: hostErr.Fix}
		}
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // the caller names the URL
		}
		return nil, redact.Error(err)
	}
	return resp, nil
}

// loginStaysHome is the redirect policy of Get: a redirect to another
// host:port does not carry the login (net/http drops it only for another
// domain, and keeps it for another port of the same host).
func loginStaysHome(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
		req.Header.Del("Authorization")
	}
	return nil
}
