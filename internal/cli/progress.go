package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/airlift-cli/airlift/pkg/mirror"
)

// progress shows a copy as it goes, on stderr: bars on a terminal, one
// plain line per finished image otherwise. It turns the engine's events
// into output; the engine itself never prints.
type progress struct {
	w       io.Writer
	enabled bool

	mu     sync.Mutex
	starts map[string]time.Time // image -> start
	sent   map[string]int64     // image -> bytes uploaded so far
	blob   map[string]int64     // image+digest -> bytes of the current attempt

	debug bool // failures with their whole chain

	p      *mpb.Progress // nil without a terminal
	bytes  *mpb.Bar
	images *mpb.Bar
	count  int64
}

// barTerminal reports whether w is a terminal that bars can be drawn on:
// a character device that reports its width. A pty without a window size
// (some CI runners, `script`, ssh without a tty request) reports none, and
// bars would draw nothing until the end: it gets plain lines.
func barTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	width, _, err := term.GetSize(int(f.Fd()))
	return err == nil && width > 0
}

func newProgress(w io.Writer, enabled, debug bool) *progress {
	pr := &progress{w: w, enabled: enabled, debug: debug, starts: map[string]time.Time{}, sent: map[string]int64{}, blob: map[string]int64{}}
	if enabled && barTerminal(w) {
		start := time.Now()
		pr.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(150*time.Millisecond))
		pr.images = pr.p.AddBar(0,
			mpb.PrependDecorators(decor.Name("images ", decor.WCSyncSpaceR), decor.CountersNoUnit("%d / %d")),
			mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO)))
		// Bytes sent, without a total: the engine learns an image's blobs
		// as it walks the image, while other images are already uploading,
		// so any total would grow under the user's eyes. The images bar is
		// the measure of progress.
		// Sizes in bytes, B and kB/MB/GB (mpb's own units write bytes as "b").
		pr.bytes = pr.p.New(0, mpb.NopStyle(),
			mpb.PrependDecorators(decor.Name("sent   ", decor.WCSyncSpaceR),
				decor.Any(func(st decor.Statistics) string { return humanBytes(st.Current) })),
			mpb.AppendDecorators(decor.Any(func(st decor.Statistics) string {
				if secs := time.Since(start).Seconds(); secs > 0 {
					return " " + humanBytes(int64(float64(st.Current)/secs)) + "/s"
				}
				return ""
			})))
	}
	return pr
}

// event handles one engine event; it is called from many goroutines.
func (pr *progress) event(ev mirror.Event) {
	if !pr.enabled {
		return
	}
	key := ev.Image.String()
	pr.mu.Lock()
	defer pr.mu.Unlock()
	switch ev.Kind {
	case mirror.ImageStart:
		pr.starts[key] = time.Now()
		pr.count++
		if pr.images != nil {
			pr.images.SetTotal(pr.count, false)
		}
	case mirror.BlobStart:
		bk := key + ev.Digest.String()
		if ev.Attempt > 1 && pr.bytes != nil {
			// A retried upload starts again: take back what the failed
			// attempt counted.
			pr.bytes.IncrInt64(-pr.blob[bk])
		}
		pr.blob[bk] = 0
	case mirror.BlobProgress:
		bk := key + ev.Digest.String()
		delta := ev.Done - pr.blob[bk]
		pr.blob[bk] = ev.Done
		pr.sent[key] += delta
		if pr.bytes != nil {
			pr.bytes.IncrInt64(delta)
		}
	case mirror.BlobDone:
		bk := key + ev.Digest.String()
		if ev.Err != nil {
			// A failed or interrupted upload: what it counted was not
			// sent after all, and the summary does not count it either.
			pr.sent[key] -= pr.blob[bk]
			if pr.bytes != nil {
				pr.bytes.IncrInt64(-pr.blob[bk])
			}
		}
		delete(pr.blob, bk)
	case mirror.Retry:
		pr.line("retrying %s: %s %s after %s: %s", ev.Image.Source, ev.Op, shortDigest(ev.Digest.String()), ev.Wait.Round(time.Millisecond), oneLine(fmt.Sprint(ev.Err)))
	case mirror.ImageDone:
		took := time.Since(pr.starts[key]).Round(10 * time.Millisecond)
		switch {
		case ev.Err != nil && (errors.Is(ev.Err, context.Canceled) || errors.Is(ev.Err, context.DeadlineExceeded)):
			// Interrupted: the summary says how many were not finished.
		case ev.Err != nil:
			pr.line("failed  %s: %s", ev.Image.Source, failureText(ev.Err, pr.debug))
		case ev.How == mirror.HowPresent:
			pr.line("present %s -> %s", ev.Image.Source, ev.Image.Target)
		default:
			pr.line("copied  %s -> %s (%s in %s)", ev.Image.Source, ev.Image.Target, humanBytes(pr.sent[key]), took)
		}
		if pr.images != nil {
			pr.images.Increment()
		}
	}
}

// line prints one line: above the bars on a terminal.
func (pr *progress) line(format string, a ...any) {
	s := fmt.Sprintf(format, a...) + "\n"
	if pr.p != nil {
		_, _ = pr.p.Write([]byte(s))
		return
	}
	_, _ = io.WriteString(pr.w, s)
}

// shown reports whether the progress printed the failures already.
func (pr *progress) shown() bool { return pr.enabled }

// stop finishes the bars before the summary is printed.
func (pr *progress) stop() {
	if pr.p == nil {
		return
	}
	pr.mu.Lock()
	pr.images.SetTotal(pr.count, true)
	pr.bytes.SetTotal(pr.bytes.Current(), true)
	pr.mu.Unlock()
	pr.p.Wait()
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}
