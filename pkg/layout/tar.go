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

// TarFile is one entry of a layout's tar as PlanTar lays it out.
type TarFile struct {
	// Name is the entry's name ("index.json", "blobs/sha256/...", or a
	// directory ending in "/").
	Name string
	// Header is the entry's header block(s); they end at Offset.
	Header []byte
	// Offset is where the content starts in the tar; Size its length (0
	// for a directory), padded with zeros to a 512-byte block.
	Offset, Size int64
	// Blob is the blob the content is (zero for oci-layout, index.json and
	// directories).
	Blob ocispec.Descriptor
	// Data is the content when it is known up front (oci-layout,
	// index.json).
	Data []byte
}

// TarPlan is where every entry of a layout's tar goes: the tar can be
// written in any order, its blobs concurrently, each at its offset.
type TarPlan struct {
	Files []TarFile
	// Size is the length of the tar, with its two zero end blocks.
	Size int64
}

// Padding returns the zero bytes after f's content, up to the next block.
func (f TarFile) Padding() int64 { return (blockSize - f.Size%blockSize) % blockSize }

// PlanTar lays out the layout (a directory) as a tar: oci-layout,
// index.json, then every blob reachable from index.json, sorted by path,
// with fixed times, owners and modes; the same content gives the same
// bytes. Blobs no index entry reaches are not in it; nor are those
// o.Skip leaves out. Only index.json and oci-layout are read: the blobs
// need not be in the directory (a pack fetches them into the tar).
func (l *Layout) PlanTar(ctx context.Context, o TarOptions) (*TarPlan, error) {
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
	mtime := o.ModTime
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	p := &TarPlan{}
	add := func(name string, size int64, dir bool, blob ocispec.Descriptor, data []byte) error {
		h := &tar.Header{Name: name, Size: size, Mode: 0o644, ModTime: mtime, Typeflag: tar.TypeReg}
		if dir {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		var buf bytes.Buffer
		if err := tar.NewWriter(&buf).WriteHeader(h); err != nil {
			return err
		}
		f := TarFile{Name: name, Header: buf.Bytes(), Offset: p.Size + int64(buf.Len()), Size: h.Size, Blob: blob, Data: data}
		p.Files = append(p.Files, f)
		p.Size = f.Offset + f.Size + f.Padding()
		return nil
	}
	for _, name := range []string{ocispec.ImageLayoutFile, ocispec.ImageIndexFile} {
		data, err := os.ReadFile(filepath.Join(l.dir, name))
		if err != nil {
			return nil, err
		}
		if err := add(name, int64(len(data)), false, ocispec.Descriptor{}, data); err != nil {
			return nil, err
		}
	}
	dirs := map[string]bool{}
	for _, d := range reach {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if o.Skip != nil && !IsManifest(d.MediaType) && o.Skip(d.Digest) {
			continue
		}
		for _, dir := range []string{ocispec.ImageBlobsDir + "/", ocispec.ImageBlobsDir + "/" + d.Digest.Algorithm().String() + "/"} {
			if !dirs[dir] {
				dirs[dir] = true
				if err := add(dir, 0, true, ocispec.Descriptor{}, nil); err != nil {
					return nil, err
				}
			}
		}
		if err := add(blobPath(d.Digest), d.Size, false, d, nil); err != nil {
			return nil, err
		}
	}
	p.Size += 2 * blockSize
	return p, nil
}

// BlobFile is the file of blob d in a layout directory, or "" when the
// layout has no such file.
func (l *Layout) BlobFile(d digest.Digest) string {
	if l.dir == "" {
		return ""
	}
	name := filepath.Join(l.dir, filepath.FromSlash(blobPath(d)))
	if _, err := os.Stat(name); err != nil {
		return ""
	}
	return name
}

// WriteTar writes the layout (a directory) to w as a tar, as PlanTar lays
// it out, blobs copied from the directory. It returns the digests written.
func (l *Layout) WriteTar(ctx context.Context, w io.Writer, o TarOptions) ([]digest.Digest, error) {
	p, err := l.PlanTar(ctx, o)
	if err != nil {
		return nil, err
	}
	tw := &tarStream{w: w}
	var written []digest.Digest
	for _, f := range p.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if _, err := w.Write(f.Header); err != nil {
			return nil, err
		}
		if f.Data != nil {
			if _, err := w.Write(f.Data); err != nil {
				return nil, err
			}
			if _, err := w.Write(make([]byte, f.Padding())); err != nil {
				return nil, err
			}
			continue
		}
		if f.Blob.Digest == "" {
			continue
		}
		src, err := os.Open(filepath.Join(l.dir, filepath.FromSlash(f.Name)))
		if err != nil {
			return nil, fmt.Errorf("writing %s: %w", f.Name, err)
		}
		n, err := tw.WriteContent(src, f.Size)
		src.Close()
		if o.Progress != nil {
			o.Progress(n)
		}
		if err != nil {
			return nil, fmt.Errorf("writing %s: %w", f.Name, err)
		}
		written = append(written, f.Blob.Digest)
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
	w io.Writer
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
