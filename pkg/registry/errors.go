package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
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

// PrepareError reports that what pushes into a repository need (a Harbor
// project, an ECR repository) does not exist and could not be created.
type PrepareError struct {
	Registry string
	// What names it: "Harbor project mirror on harbor.internal", "ECR
	// repository team/app in eu-west-1".
	What string
	// Account is the account the registry refused, when known.
	Account string
	// Permission is what creating it takes, when the registry refused for
	// lack of it ("" when creation failed for another reason): "the IAM
	// permission ecr:CreateRepository".
	Permission string
	Err        error
}

func (e *PrepareError) Error() string {
	cause := oneline.Flatten(fmt.Sprint(e.Err))
	if e.Permission == "" {
		return "cannot create " + e.What + ": " + cause
	}
	who := "the account"
	if e.Account != "" {
		who = e.Account
	}
	return fmt.Sprintf("%s does not exist and %s may not create it (%s): create it, or use an account with %s",
		e.What, who, cause, e.Permission)
}

func (e *PrepareError) Unwrap() error { return e.Err }

// PushError reports that a registry took the credentials but refused a
// push into a repository: the upload [Client.Preflight] starts was
// refused.
type PushError struct {
	Registry, Repository string
	Err                  error
}

func (e *PushError) Error() string {
	return "may not push to " + e.Registry + "/" + e.Repository + ": " + oneline.Flatten(fmt.Sprint(e.Err))
}

func (e *PushError) Unwrap() error { return e.Err }

// PreflightError is every problem [Client.Preflight] found, each an error
// of its own for errors.As: [*AuthError], [*HostError], [*PrepareError],
// [*PushError], or a registry's error response.
type PreflightError struct {
	Problems []error
}

func (e *PreflightError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = oneline.Flatten(p.Error())
	}
	return fmt.Sprintf("pre-flight found %d problem(s): %s", len(e.Problems), strings.Join(msgs, "; "))
}

func (e *PreflightError) Unwrap() []error { return e.Problems }

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

// registryWide reports whether err is about a whole registry: it cannot
// be reached, or refuses the credentials.
func registryWide(err error) bool {
	var authErr *AuthError
	var hostErr *HostError
	var pushErr *PushError
	return !errors.As(err, &pushErr) && (errors.As(err, &authErr) || errors.As(err, &hostErr))
}
