package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/airlift-cli/airlift/internal/oneline"
	"github.com/airlift-cli/airlift/internal/redact"
)

// AuthError reports that a registry refused us (401 or 403) after the
// credentials we have were tried, or that it asked for credentials and none
// were found. Its message names the registry and never contains credentials.
type AuthError struct {
	Registry string
	Err      error
}

func (e *AuthError) Error() string {
	return "authentication to " + e.Registry + " failed: " + oneline.Flatten(fmt.Sprint(e.Err))
}

func (e *AuthError) Unwrap() error { return e.Err }

// HostError reports that a registry could not be reached at all: a DNS
// failure, a refused connection on first contact, or a TLS failure
// (untrusted certificate, HTTPS spoken to a plain-HTTP server). It is not
// retryable.
type HostError struct {
	Registry string
	Err      error
	// Fix says which setting would likely let the host be reached.
	Fix Fix
}

// Fix is a setting that would likely help a host that cannot be reached,
// for callers to name in their own terms (a flag, a config key).
type Fix int

// Fixes of a HostError.
const (
	FixNone Fix = iota
	// FixPlainHTTP: the host speaks plain HTTP ([Options].PlainHTTP).
	FixPlainHTTP
	// FixTrust: the host's TLS certificate is not trusted: give its CA
	// ([Options].CAFiles), or skip verification for it ([Options].Insecure).
	FixTrust
)

func (e *HostError) Error() string {
	return "cannot reach registry " + e.Registry + ": " + oneline.Flatten(fmt.Sprint(e.Err))
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
	return fmt.Sprintf("%s (retry after %s)", oneline.Flatten(fmt.Sprint(e.Err)), e.After)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// refusedAfterConnectError marks a refused connection to a host that had
// answered before (a registry restarting): unlike a refusal on first contact
// it is worth retrying.
type refusedAfterConnectError struct{ err error }

func (e *refusedAfterConnectError) Error() string { return e.err.Error() }
func (e *refusedAfterConnectError) Unwrap() error { return e.err }

// msgError keeps err for errors.Is/As but shows another message (an AWS
// API error's code and message, flattened and redacted).
type msgError struct {
	msg string
	err error
}

func (e *msgError) Error() string { return e.msg }
func (e *msgError) Unwrap() error { return e.err }

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
		e.URL = redact.URL(resp.Request.URL)
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
