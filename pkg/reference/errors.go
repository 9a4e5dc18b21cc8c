package reference

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("invalid image reference")

// maxQuoted is how many bytes of the input an error message quotes.
const maxQuoted = 200

// Error describes why an input is not a valid reference.
type Error struct {
	Input  string // the input as given
	Reason string // short lower-case reason, e.g. "repository name must be lowercase"
}

// Error returns a one-line message such as
//
//	invalid image reference "Busybox:1": repository name must be lowercase
//
// The input is quoted with Go syntax, so control characters cannot break the
// line; an input longer than 200 bytes is cut there and followed by "…".
func (e *Error) Error() string {
	in, more := e.Input, ""
	if len(in) > maxQuoted {
		cut := maxQuoted
		// Do not split a UTF-8 sequence (at most UTFMax-1 bytes back).
		for i := 0; i < utf8.UTFMax-1 && cut > 0 && !utf8.RuneStart(in[cut]); i++ {
			cut--
		}
		if !utf8.RuneStart(in[cut]) {
			cut = maxQuoted
		}
		in, more = in[:cut], "…"
	}
	msg := ErrInvalid.Error() + " " + strconv.Quote(in) + more
	if e.Reason != "" {
		msg += ": " + oneLine(e.Reason)
	}
	return msg
}

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

func newError(s string, err error) *Error {
	return &Error{Input: s, Reason: oneLine(reason(s, err))}
}

// oneLine makes sure a reason cannot break the line or carry control
// characters, whatever text a library error contained.
func oneLine(s string) string {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) {
		q := strconv.Quote(s)
		return q[1 : len(q)-1]
	}
	return s
}
