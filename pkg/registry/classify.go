package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

// IsRetryable reports whether err is worth retrying: a registry answer of
// 408, 429 or 5xx (not 501), a digest mismatch on upload or download (a
// truncated body), a connection reset or aborted, a connection refused by a
// host that had answered before, an unexpected EOF, or a timeout. Canceled
// contexts, expired caller deadlines, [AuthError] and [HostError] are not
// retryable.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || holds(err, context.DeadlineExceeded) {
		return false
	}
	var authErr *AuthError
	var hostErr *HostError
	if errors.As(err, &authErr) || errors.As(err, &hostErr) {
		return false
	}
	if resp, ok := asErrorResponse(err); ok {
		return retryableStatus(resp.StatusCode) || hasErrorCode(resp, errcode.ErrorCodeDigestInvalid)
	}
	return retryableNetError(err)
}

// holds reports whether target itself is in err's chain. Unlike errors.Is
// it ignores Is methods: net/http's response-header timeout claims to be
// context.DeadlineExceeded, but it is the transport's timeout, not the
// caller's deadline.
func holds(err, target error) bool {
	for err != nil {
		if err == target {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if holds(e, target) {
					return true
				}
			}
			return false
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return false
		}
	}
	return false
}

// retryableStatus reports whether a response status is transient.
func retryableStatus(code int) bool {
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return true
	case code == http.StatusNotImplemented:
		return false
	default:
		return code >= 500 && code <= 599
	}
}

func hasErrorCode(resp *errcode.ErrorResponse, code string) bool {
	for _, e := range resp.Errors {
		if e.Code == code {
			return true
		}
	}
	return false
}

// retryableNetError classifies transport and body-read errors.
func retryableNetError(err error) bool {
	var refused *refusedAfterConnectError
	switch {
	case errors.As(err, &refused):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return true
	case errors.Is(err, content.ErrMismatchedDigest):
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	// HTTP/2 failures surface as unexported types; match their text.
	msg := err.Error()
	for _, s := range []string{
		"http2: client connection lost",
		"http2: server sent GOAWAY",
		"stream error: stream ID",
		"connection reset by peer",
		"broken pipe",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// hostFailure reports whether err means the host cannot be reached at all
// (DNS, refused, TLS), with what would help for the usual configuration
// mistakes and a note saying it.
func hostFailure(err error) (fix Fix, note string, ok bool) {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return FixNone, "", !dnsErr.IsTimeout
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) {
		return FixNone, "", true
	}
	if errors.Is(err, http.ErrSchemeMismatch) {
		return FixPlainHTTP, "it speaks plain HTTP", true
	}
	var recordErr tls.RecordHeaderError
	if errors.As(err, &recordErr) {
		return FixPlainHTTP, "TLS handshake failed: it may speak plain HTTP", true
	}
	var (
		verifyErr   *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		invalidCert x509.CertificateInvalidError
		alertErr    tls.AlertError
	)
	switch {
	case errors.As(err, &verifyErr), errors.As(err, &unknownAuth),
		errors.As(err, &hostnameErr), errors.As(err, &invalidCert):
		return FixTrust, "its certificate is not trusted", true
	case errors.As(err, &alertErr):
		return FixNone, "", true
	}
	return FixNone, "", false
}
