package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// openPTY opens a new pseudo-terminal and returns its controlling and
// terminal ends; its window size is 0x0 until set.
func openPTY(t *testing.T) (ctrl, tty *os.File) {
	t.Helper()
	ctrl, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ctrl.Close() })
	fd := int(ctrl.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return ctrl, tty
}

// TestBarTerminal: bars only where the terminal reports a width; a pty
// without a window size gets plain lines, not nothing.
func TestBarTerminal(t *testing.T) {
	_, tty := openPTY(t)
	if barTerminal(tty) {
		t.Error("a pty without a window size is taken for a bar terminal")
	}
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80}); err != nil {
		t.Fatal(err)
	}
	if !barTerminal(tty) {
		t.Error("a pty 80 columns wide is not taken for a bar terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if barTerminal(f) {
		t.Error("a file is taken for a bar terminal")
	}
}

// TestProgressBytesAgree: the bytes the bar shows after an interrupted or
// failed upload are the bytes of the uploads that completed, which is
// what the summary counts (the bar once said 300 MB, the summary 150).
func TestProgressBytesAgree(t *testing.T) {
	ctrl, tty := openPTY(t)
	go func() { _, _ = io.Copy(io.Discard, ctrl) }()
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 100}); err != nil {
		t.Fatal(err)
	}
	pr := newProgress(tty, true, false)
	img := reference.Pair{Source: reference.MustParse("quay.io/a/b:1"), Target: reference.MustParse("r.example/a/b:1")}
	done, cut := digest.FromString("done"), digest.FromString("cut")
	for _, ev := range []mirror.Event{
		{Kind: mirror.ImageStart, Image: img},
		{Kind: mirror.BlobStart, Image: img, Digest: done, Size: 3000, Attempt: 1},
		{Kind: mirror.BlobProgress, Image: img, Digest: done, Size: 3000, Done: 3000},
		{Kind: mirror.BlobDone, Image: img, Digest: done, Size: 3000, Done: 3000, How: mirror.HowCopied},
		{Kind: mirror.BlobStart, Image: img, Digest: cut, Size: 5000, Attempt: 1},
		{Kind: mirror.BlobProgress, Image: img, Digest: cut, Size: 5000, Done: 2500},
		{Kind: mirror.BlobDone, Image: img, Digest: cut, Size: 5000, Err: context.Canceled},
		{Kind: mirror.ImageDone, Image: img, Err: context.Canceled},
	} {
		pr.event(ev)
	}
	pr.stop()
	if got := pr.bytes.Current(); got != 3000 {
		t.Errorf("the bar shows %d bytes sent, want 3000 (the completed upload only)", got)
	}
	if got := pr.sent[img.String()]; got != 3000 {
		t.Errorf("image counted %d bytes, want 3000", got)
	}
}
