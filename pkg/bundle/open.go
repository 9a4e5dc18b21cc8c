package bundle

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"

	"github.com/airlift-cli/airlift/pkg/layout"
)

// zstdMagic starts every zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// Archive is an opened archive: its layout, read in place (a compressed
// archive is first decompressed to a temporary tar, removed by Close).
type Archive struct {
	*layout.Layout
	// Parts are the files of the archive.
	Parts []string
	// Compressed is true for a zstd-compressed archive.
	Compressed bool
	// Size is the archive's size on disk, parts summed.
	Size int64
	temp string
}

// Close closes the archive and removes its temporary tar.
func (a *Archive) Close() error {
	err := a.Layout.Close()
	if a.temp != "" {
		os.Remove(a.temp)
	}
	return err
}

// Open opens the archive at path (split in parts or not, compressed or
// not). Missing parts, unsafe entries, a truncated archive and an index
// naming missing content are errors here, before anything is read.
func Open(ctx context.Context, path string) (*Archive, error) {
	parts, err := Parts(path)
	if err != nil {
		return nil, err
	}
	a := &Archive{Parts: parts}
	for _, p := range parts {
		if fi, err := os.Stat(p); err == nil {
			a.Size += fi.Size()
		}
	}
	head := make([]byte, 4)
	if f, err := os.Open(parts[0]); err == nil {
		_, _ = io.ReadFull(f, head)
		f.Close()
	}
	tarParts := parts
	if bytes.Equal(head, zstdMagic) {
		a.Compressed = true
		if a.temp, err = decompress(ctx, parts); err != nil {
			return nil, err
		}
		tarParts = []string{a.temp}
	}
	l, err := layout.OpenArchive(ctx, tarParts...)
	if err != nil {
		if a.temp != "" {
			os.Remove(a.temp)
			err = fmt.Errorf("%w (decompressed from %s)", err, parts[0])
		}
		return nil, err
	}
	a.Layout = l
	return a, nil
}

// decompress writes the zstd stream of parts to a temporary tar.
func decompress(ctx context.Context, parts []string) (string, error) {
	r, err := multiReader(parts)
	if err != nil {
		return "", err
	}
	defer r.Close()
	d, err := zstd.NewReader(r)
	if err != nil {
		return "", err
	}
	defer d.Close()
	f, err := os.CreateTemp("", "airlift-archive-*.tar")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, ctxReader{ctx, d})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("decompressing %s: %w (is a part truncated or missing?)", parts[0], err)
	}
	return f.Name(), nil
}

// ctxReader stops a long copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}
