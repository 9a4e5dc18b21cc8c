package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"oras.land/oras-go/v2/registry/remote/errcode"
)

// AuthError reports that a registry refused us (401 or 403) after the
// credentials we have were tried, or that it asked for credentials and none
// were found. Its message names the registry and never contains credentials.
type AuthError struct {
	Registry string
	Err      error
}

func (e *AuthError) Error() string {
	return "authentication to " + e.Registry + " failed: " + oneLine(e.Err)
}

func (e *AuthError) Unwrap() error { return e.Err }

// HostError reports that a registry could not be reached at all: a DNS
// failure, a refused connection on first contact, or a TLS failure
// (untrusted certificate, HTTPS spoken to a plain-HTTP server). It is not
// retryable.
type HostError struct {
	Registry string
	Err      error
}

func (e *HostError) Error() string {
	return "cannot reach registry " + e.Registry + ": " + oneLine(e.Err)
}

func (e *HostError) Unwrap() error { return e.Err }

// RetryAfterError carries a server's Retry-After (429, 503, ...) with the
// error it came with, so that [Client.Retry] waits as long as the server
// asked.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%s (retry after %s)", oneLine(e.Err), e.After)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// refusedAfterConnectError marks a refused connection to a host that had
// answered before (a registry restarting): unlike a refusal on first contact
// it is worth retrying.
type refusedAfterConnectError struct{ err error }

func (e *refusedAfterConnectError) Error() string { return e.err.Error() }
func (e *refusedAfterConnectError) Unwrap() error { return e.err }

// msgError keeps err for errors.Is/As but shows its message with
// credentials in URLs masked.
type msgError struct {
	msg string
	err error
}

func (e *msgError) Error() string { return e.msg }
func (e *msgError) Unwrap() error { return e.err }

var (
	userinfoRE = regexp.MustCompile(`(://[^/@\s:"]*):[^/@\s"]*@`)
	// Query parameters that carry credentials: presigned storage URLs
	// (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token, sig, se,
	// Signature, Expires...), tokens and passwords.
	secretQueryRE = regexp.MustCompile(`(?i)([?&](?:x-amz-[a-z-]*|x-goog-[a-z-]*|signature|sig|token|access_token|refresh_token|password|secret|key|credential|policy|key-pair-id)=)[^&\s"]*`)
)

// redactString masks passwords in URL userinfo and credential-bearing query
// parameters.
func redactString(s string) string {
	s = userinfoRE.ReplaceAllString(s, "$1:xxxxx@")
	return secretQueryRE.ReplaceAllString(s, "${1}xxxxx")
}

// redact returns err with its message redacted; err itself if nothing
// needed masking.
func redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := redactString(msg); r != msg {
		return &msgError{msg: r, err: err}
	}
	return err
}

// redactURL returns a copy of u without password or credential-bearing query
// values.
func redactURL(u *url.URL) *url.URL {
	if u == nil {
		return nil
	}
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), "xxxxx")
		}
	}
	if c.RawQuery != "" {
		c.RawQuery = strings.TrimPrefix(redactString("?"+c.RawQuery), "?")
	}
	return &c
}

// oneLine flattens an error message to one line.
func oneLine(err error) string {
	if err == nil {
		return "<nil>"
	}
	s := err.Error()
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

// maxErrorBody bounds how much of an error response body is read.
const maxErrorBody = 64 << 10

// errorResponse turns a failed registry response into the same
// *errcode.ErrorResponse oras-go would build, with the URL redacted. It
// consumes and closes the body.
func errorResponse(resp *http.Response) *errcode.ErrorResponse {
	defer resp.Body.Close()
	e := &errcode.ErrorResponse{StatusCode: resp.StatusCode}
	if resp.Request != nil {
		e.Method = resp.Request.Method
		e.URL = redactURL(resp.Request.URL)
	}
	var body struct {
		Errors errcode.Errors `json:"errors"`
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if json.Unmarshal(data, &body) == nil {
		e.Errors = body.Errors
	}
	return e
}

// asErrorResponse is errors.As for *errcode.ErrorResponse.
func asErrorResponse(err error) (*errcode.ErrorResponse, bool) {
	var e *errcode.ErrorResponse
	ok := errors.As(err, &e)
	return e, ok
}
