package chart

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
)

// userAgent is sent with every HTTP request airlift makes to repositories.
const userAgent = "airlift (helm.sh/helm/v4)"

// httpClient fetches repository indexes, chart archives and values files over
// http(s). Credentials are sent only to the scheme and host they were given
// for, as Helm does, so that a repository cannot forward them elsewhere.
type httpClient struct {
	client   *http.Client
	username string
	password string
	authURL  *url.URL
	log      *slog.Logger
}

// newHTTPClient returns a client configured with the TLS settings of src.
// authURL says where src's credentials may be sent ("" = nowhere).
func newHTTPClient(src Source, authURL string, log *slog.Logger) (*httpClient, error) {
	tlsConf, err := tlsConfig(src)
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConf
	// Archives served with Content-Encoding: gzip must stay compressed.
	transport.DisableCompression = true
	c := &httpClient{
		client:   &http.Client{Transport: transport},
		username: src.Username,
		password: src.Password,
		log:      log,
	}
	if authURL != "" {
		if u, err := url.Parse(authURL); err == nil {
			c.authURL = u
		}
	}
	return c, nil
}

// tlsConfig builds the client TLS configuration from src; it is shared by the
// HTTP repository client and the OCI registry client.
func tlsConfig(src Source) (*tls.Config, error) {
	conf := &tls.Config{
		InsecureSkipVerify: src.InsecureSkipTLSVerify, //nolint:gosec // user asked for it
		MinVersion:         tls.VersionTLS12,
	}
	switch {
	case src.CertFile != "" && src.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(src.CertFile, src.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading client certificate %s: %w", src.CertFile, err)
		}
		conf.Certificates = []tls.Certificate{cert}
	case src.CertFile != "" || src.KeyFile != "":
		return nil, errors.New("a client certificate needs both CertFile and KeyFile")
	}
	if src.CAFile != "" {
		pem, err := os.ReadFile(src.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s contains no PEM certificates", src.CAFile)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// needsTLSConfig reports whether src asks for anything but default TLS.
func needsTLSConfig(src Source) bool {
	return src.CAFile != "" || src.CertFile != "" || src.KeyFile != "" || src.InsecureSkipTLSVerify
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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, http.NoBody)
	if err != nil {
		return nil, &FetchError{URL: rawURL, Err: err}
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", userAgent)
	if c.username != "" && c.password != "" && c.authURL != nil &&
		c.authURL.Scheme == req.URL.Scheme && c.authURL.Host == req.URL.Host {
		req.SetBasicAuth(c.username, c.password)
	}
	c.log.Debug("fetching", "url", redactURL(rawURL))
	resp, err := c.client.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is already in the FetchError
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
		if c.username == "" {
			hint = "credentials are required"
		}
		return nil, &FetchError{URL: rawURL, Err: fmt.Errorf("%s (%s)", resp.Status, hint)}
	default:
		return nil, &FetchError{URL: rawURL, Err: errors.New(resp.Status)}
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, &FetchError{URL: rawURL, Err: fmt.Errorf("reading response: %w", err)}
	}
	c.log.Debug("fetched", "url", redactURL(rawURL), "bytes", len(body))
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
