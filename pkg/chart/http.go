package chart

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/airlift-cli/airlift/internal/redact"
	"github.com/airlift-cli/airlift/pkg/registry"
)

// maxDownload bounds what is read from a chart repository in one response
// (an index, an archive, a values file): the largest public indexes are
// tens of megabytes.
const maxDownload = 512 << 20

// httpClient fetches repository indexes, chart archives and values files
// over http(s), through the registry client's door ([registry.Client.Get]):
// its TLS settings, retries and the login of the repository's host, which
// is sent to that host only.
type httpClient struct {
	reg *registry.Client
	log *slog.Logger
}

// newHTTPClient returns the http(s) client of s.
func newHTTPClient(s *settings) (*httpClient, error) {
	reg, err := s.client()
	if err != nil {
		return nil, err
	}
	return &httpClient{reg: reg, log: s.log}, nil
}

// response is the part of an HTTP response the package uses.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do performs a GET of rawURL with the extra headers and returns the response
// for status 200 and 304; any other outcome is a *FetchError.
func (c *httpClient) do(ctx context.Context, rawURL string, header http.Header) (*response, error) {
	c.log.Debug("fetching", "url", redact.String(rawURL))
	resp, err := c.reg.Get(ctx, rawURL, header)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, &FetchError{URL: rawURL, Err: err}
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return &response{status: resp.StatusCode, header: resp.Header}, nil
	case http.StatusUnauthorized, http.StatusForbidden:
		hint := "check the username and password"
		if resp.Request == nil || resp.Request.Header.Get("Authorization") == "" {
			hint = "credentials are required: --username and --password (or AIRLIFT_PASSWORD)"
		}
		return nil, &FetchError{URL: rawURL, Err: fmt.Errorf("%s (%s)", resp.Status, hint)}
	default:
		return nil, &FetchError{URL: rawURL, Err: errors.New(resp.Status)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, &FetchError{URL: rawURL, Err: fmt.Errorf("reading response: %w", err)}
	}
	if len(body) > maxDownload {
		return nil, &FetchError{URL: rawURL, Err: fmt.Errorf("response larger than %d MiB", maxDownload>>20)}
	}
	c.log.Debug("fetched", "url", redact.String(rawURL), "bytes", len(body))
	return &response{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// get fetches rawURL and returns the body.
func (c *httpClient) get(ctx context.Context, rawURL string) ([]byte, error) {
	resp, err := c.do(ctx, rawURL, nil)
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}

// isHTTPURL reports whether s is an http or https URL.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
