package mirror

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// Sentinel errors, for errors.Is on Result.Err.
var (
	// ErrNoMatchingPlatform: Options.Platforms keeps nothing of the source
	// (an index without a matching manifest, or a single-platform image of
	// another platform).
	ErrNoMatchingPlatform = errors.New("no matching platform")
	// ErrUnsupported: the source holds a manifest type the engine cannot
	// copy (Docker schema 1, an unknown media type) or one too large.
	ErrUnsupported = errors.New("unsupported content")
	// ErrBadReference: an image lacks what a copy needs (a source tag or
	// digest, a target registry and repository).
	ErrBadReference = errors.New("bad image reference")
)

// Side says which registry an operation talked to.
type Side int

// Sides of an OpError.
const (
	SideSource Side = iota + 1
	SideTarget
)

func (s Side) String() string {
	switch s {
	case SideSource:
		return "source"
	case SideTarget:
		return "target"
	}
	return "unknown"
}

// ImageError is the error of a failed image (Result.Err).
type ImageError struct {
	Image reference.Pair
	Err   error
}

func (e *ImageError) Error() string {
	return fmt.Sprintf("copying %s to %s: %v", e.Image.Source, e.Image.Target, e.Err)
}

func (e *ImageError) Unwrap() error { return e.Err }

// OpError is one failed operation inside an image copy: what was being done
// ("pushing blob"), on what, and on which side.
type OpError struct {
	Op     string
	Digest digest.Digest // empty when the operation is about a tag
	Ref    string        // the tag or reference, when not a digest
	Side   Side
	Err    error
}

func (e *OpError) Error() string {
	what := e.Op
	switch {
	case e.Digest != "":
		what += " " + e.Digest.String()
	case e.Ref != "":
		what += " " + e.Ref
	}
	return what + ": " + e.Err.Error()
}

func (e *OpError) Unwrap() error { return e.Err }

// opErr wraps err as an *OpError, unless it is nil or already holds one
// (an error passes through several layers; the innermost operation is the
// most precise).
func opErr(op string, side Side, d digest.Digest, err error) error {
	if err == nil {
		return nil
	}
	var oe *OpError
	if errors.As(err, &oe) {
		return err
	}
	return &OpError{Op: op, Digest: d, Side: side, Err: tidy(err)}
}

// tidy drops the query string from an HTTP error (oras-go's or net/http's
// *url.Error): the upload
// location of a failed PUT carries an opaque state token of several hundred
// characters that makes the one-line message unreadable. The result has
// the same type.
func tidy(err error) error {
	switch e := err.(type) {
	case *errcode.ErrorResponse:
		if e.URL != nil && e.URL.RawQuery != "" {
			c, u := *e, *e.URL
			u.RawQuery = ""
			c.URL = &u
			return &c
		}
	case *url.Error:
		if i := strings.IndexByte(e.URL, '?'); i >= 0 {
			c := *e
			c.URL = e.URL[:i]
			return &c
		}
	}
	return err
}
