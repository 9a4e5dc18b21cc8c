package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mask replaces a secret value.
const Mask = "xxxxx"

var (
	// userinfo is "user:password@" or "token@" after a URL scheme, up to
	// the last "@" before the host (a password may hold an unescaped "@").
	userinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s"'<>]*@`)
	// secretQuery are query parameters that carry credentials: presigned
	// storage URLs (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token,
	// X-Goog-Signature, sig, Signature, Key-Pair-Id, Policy, ...), tokens,
	// passwords and keys. A value ends before "&", white space, a quote or
	// a ':' that ends the URL ("fetching URL: cause").
	secretQuery = regexp.MustCompile(`(?i)([?&](?:x-amz-[a-z-]*|x-goog-[a-z-]*|signature|sig|token|access_token|refresh_token|password|secret|key|credential|policy|key-pair-id)=)(?:[^&\s"'<>:]|:+[^&\s"'<>:])*`)
	// authHeader is an Authorization (or Proxy-Authorization) header quoted
	// in text: "Authorization: Bearer abc", `"Authorization":["Basic abc"]`,
	// map[Authorization:[Bearer abc]]. The scheme is kept.
	authHeader = regexp.MustCompile(`(?i)(\b(?:proxy-)?authorization["']?\s*[:=]\s*\[?["']?)(?:(basic|bearer|token|aws4-hmac-sha256)\s+)?[^\s"'\],]+(?:,\s*[a-z]+=[^\s"'\],]+)*`)
)

// String returns s with every credential masked: URL userinfo removed,
// secret query values and Authorization header values replaced by Mask.
// Text without credentials is returned unchanged.
func String(s string) string {
	if strings.Contains(s, "@") {
		s = userinfo.ReplaceAllString(s, "$1")
	}
	if strings.ContainsAny(s, "?&") {
		s = secretQuery.ReplaceAllString(s, "${1}"+Mask)
	}
	if strings.Contains(strings.ToLower(s), "authorization") {
		s = authHeader.ReplaceAllStringFunc(s, maskHeader)
	}
	return s
}

// maskHeader masks the credentials of one matched Authorization header,
// keeping its name and scheme.
func maskHeader(m string) string {
	sub := authHeader.FindStringSubmatch(m)
	out := sub[1]
	if sub[2] != "" {
		out += sub[2] + " "
	}
	return out + Mask
}

// URL returns a copy of u without userinfo and with secret query values
// masked; nil for nil.
func URL(u *url.URL) *url.URL {
	if u == nil {
		return nil
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = strings.TrimPrefix(secretQuery.ReplaceAllString("?"+c.RawQuery, "${1}"+Mask), "?")
	}
	return &c
}

// Error returns err with its message masked by String; err itself when
// nothing needed masking (or err is nil). The result unwraps to err, so
// errors.Is and errors.As see through it.
func Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := String(msg); r != msg {
		return &maskedError{msg: r, err: err}
	}
	return err
}

// maskedError shows a masked message and keeps the error it came from.
type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }
