package layout

import (
	"archive/tar"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// TarOptions control WriteTar.
type TarOptions struct {
	// Skip leaves out blobs the receiving side has already (an update
	// carrying only what is new); manifests are always written. nil = none.
	Skip func(digest.Digest) bool
	// ModTime is the time of every entry (default: the Unix epoch), so
	// that the same content gives the same bytes.
	ModTime time.Time
	// Progress, when set, is called with the bytes of blob content written.
	Progress func(n int64)
}

// WriteTar writes the layout (a directory) to w as a tar: oci-layout,
// index.json, then every blob reachable from index.json, sorted by path,
// with fixed times, owners and modes; the same content gives the same
// bytes. Blobs no index entry reaches (left by an interrupted copy) are
// not written. It returns the digests written.
func (l *Layout) WriteTar(ctx context.Context, w io.Writer, o TarOptions) ([]digest.Digest, error) {
	if l.dir == "" {
		return nil, errors.New("only a layout directory can be written to a tar")
	}
	if err := l.Save(); err != nil {
		return nil, err
	}
	reach, err := l.Reachable(ctx)
	if err != nil {
		return nil, err
	}
	tw := &tarStream{w: w}
	hdr := func(name string, size int64, dir bool) *tar.Header {
		h := &tar.Header{Name: name, Size: size, Mode: 0o644, ModTime: o.ModTime, Typeflag: tar.TypeReg}
		if o.ModTime.IsZero() {
			h.ModTime = time.Unix(0, 0)
		}
		if dir {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		return h
	}
	writeFile := func(name, src string) error {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(hdr(name, fi.Size(), false)); err != nil {
			return err
		}
		n, err := tw.WriteContent(f, fi.Size())
		if o.Progress != nil {
			o.Progress(n)
		}
		return err
	}
	for _, name := range []string{ocispec.ImageLayoutFile, ocispec.ImageIndexFile} {
		if err := writeFile(name, filepath.Join(l.dir, name)); err != nil {
			return nil, fmt.Errorf("writing %s: %w", name, err)
		}
	}
	dirs := map[string]bool{}
	var written []digest.Digest
	for _, d := range reach {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if o.Skip != nil && !IsManifest(d.MediaType) && o.Skip(d.Digest) {
			continue
		}
		p := blobPath(d.Digest)
		for _, dir := range []string{ocispec.ImageBlobsDir + "/", ocispec.ImageBlobsDir + "/" + d.Digest.Algorithm().String() + "/"} {
			if !dirs[dir] {
				dirs[dir] = true
				if err := tw.WriteHeader(hdr(dir, 0, true)); err != nil {
					return nil, err
				}
			}
		}
		if err := writeFile(p, filepath.Join(l.dir, filepath.FromSlash(p))); err != nil {
			return nil, fmt.Errorf("writing %s: %w", p, err)
		}
		written = append(written, d.Digest)
	}
	return written, tw.Close()
}

// Reachable lists every descriptor reachable from index.json (manifests,
// configs, layers, the manifests of indexes), once each, sorted by digest.
func (l *Layout) Reachable(ctx context.Context) ([]ocispec.Descriptor, error) {
	l.mu.Lock()
	var todo []ocispec.Descriptor
	for _, d := range l.tagged {
		todo = append(todo, d)
	}
	for _, d := range l.subjects {
		todo = append(todo, d)
	}
	l.mu.Unlock()
	seen := map[digest.Digest]ocispec.Descriptor{}
	for len(todo) > 0 {
		d := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if _, ok := seen[d.Digest]; ok {
			continue
		}
		seen[d.Digest] = ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
		if !IsManifest(d.MediaType) {
			continue
		}
		body, err := (&Repo{l: l}).readManifest(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("reading manifest %s: %w", d.Digest, err)
		}
		children, err := Successors(body)
		if err != nil {
			return nil, fmt.Errorf("reading manifest %s: %w", d.Digest, err)
		}
		todo = append(todo, children...)
	}
	out := make([]ocispec.Descriptor, 0, len(seen))
	for _, d := range seen {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b ocispec.Descriptor) int { return cmp.Compare(a.Digest, b.Digest) })
	return out, nil
}

// tarStream writes a tar: headers as archive/tar writes them, content
// copied straight from its file to w, so that a file w copies in the
// kernel (copy_file_range from one file to another) and no byte passes
// through this process. The bytes are those archive/tar would write.
type tarStream struct {
	w   io.Writer
	buf bytes.Buffer
}

// WriteHeader writes the header block(s) of h.
func (t *tarStream) WriteHeader(h *tar.Header) error {
	t.buf.Reset()
	if err := tar.NewWriter(&t.buf).WriteHeader(h); err != nil {
		return err
	}
	_, err := t.w.Write(t.buf.Bytes())
	return err
}

// WriteContent copies size bytes of f and pads them to a block.
func (t *tarStream) WriteContent(f *os.File, size int64) (int64, error) {
	n, err := io.Copy(t.w, io.LimitReader(f, size))
	if err == nil && n != size {
		err = fmt.Errorf("%s changed while written: %d bytes, want %d", f.Name(), n, size)
	}
	if err != nil {
		return n, err
	}
	if pad := (blockSize - size%blockSize) % blockSize; pad > 0 {
		_, err = t.w.Write(make([]byte, pad))
	}
	return n, err
}

// Close writes the end of the archive: two zero blocks.
func (t *tarStream) Close() error {
	_, err := t.w.Write(make([]byte, 2*blockSize))
	return err
}

const blockSize = 512
