package mirror

import (
	"io"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// EventKind says what an Event reports.
type EventKind int

// Event kinds, in the order they occur for one image. Every event carries
// the Image it belongs to.
const (
	// ImageStart: work on Image begins.
	ImageStart EventKind = iota + 1
	// ManifestDone: a manifest (Digest, Size) is in the target. How is
	// "copied" or "present" (already there, or copied earlier in this run).
	ManifestDone
	// BlobStart: an upload attempt of a blob begins (Digest, Size, Attempt).
	// A retried upload starts again from zero.
	BlobStart
	// BlobProgress: Done of Size bytes of the blob were read from the source
	// and sent on (about every 1 MiB, and at the end).
	BlobProgress
	// BlobDone: a blob (Digest, Size) is in the target. How is "copied"
	// (uploaded), "mounted" (from another repository of the target) or
	// "present" (already there; no BlobStart precedes it). Err is set when
	// the blob could not be copied; the image then fails.
	BlobDone
	// Retry: a unit of work (Op, Digest) failed with Err and will be tried
	// again after Wait; Attempt counts failures so far.
	Retry
	// ImageDone: the image is finished. Digest is the target digest; How is
	// "copied" or "present"; Err is set when the image failed.
	ImageDone
)

var eventNames = [...]string{"", "ImageStart", "ManifestDone", "BlobStart", "BlobProgress", "BlobDone", "Retry", "ImageDone"}

func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "EventKind(?)"
}

// How says how a manifest, a blob or an image got into the target (Event.How).
type How string

// How values of events.
const (
	HowCopied  How = "copied"
	HowMounted How = "mounted" // blobs only
	HowPresent How = "present"
)

// Event is one progress report. Which fields are set depends on Kind.
type Event struct {
	Kind    EventKind
	Image   reference.Pair
	Digest  digest.Digest
	Size    int64
	Done    int64
	How     How
	Err     error
	Op      string        // Retry: what failed ("pushing blob")
	Attempt int           // BlobStart, Retry: 1-based attempt / failures so far
	Wait    time.Duration // Retry: back-off before the next attempt
}

// progressStep is how many bytes pass between BlobProgress events.
const progressStep = 1 << 20

// progressReader reports the bytes read through it as BlobProgress events.
type progressReader struct {
	r     io.Reader
	emit  func(done int64)
	size  int64 // the last event is sent when done reaches size (the HTTP client stops reading there, before EOF)
	done  int64
	since int64
	err   error // the first read error other than io.EOF
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && err != io.EOF && p.err == nil {
		p.err = err
	}
	p.done += int64(n)
	p.since += int64(n)
	if p.since >= progressStep || (p.since > 0 && (err == io.EOF || p.done == p.size)) {
		p.since = 0
		p.emit(p.done)
	}
	return n, err
}
