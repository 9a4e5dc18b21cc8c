package layout

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
)

// ErrBadArchive is wrapped by the errors of an archive that cannot be
// read as an OCI layout: an unsafe or duplicate entry, a truncated or
// missing part, a corrupted blob.
var ErrBadArchive = errors.New("bad archive")

// archive is a tar file, whole or in numbered parts, indexed in place:
// entries are read at their offsets, nothing is extracted.
type archive struct {
	parts   []part
	size    int64
	entries map[string]tarEntry
}

// part is one file of an archive and where it starts in the whole.
type part struct {
	name  string
	f     *os.File
	start int64
	size  int64
}

// tarEntry is a regular file of the tar.
type tarEntry struct {
	name         string
	offset, size int64
	mode         fs.FileMode
}

// openArchive opens the tar made of the files parts (in order) and indexes
// its entries. Every entry must be a regular file or a directory with a
// relative name inside the layout; anything else is refused.
func openArchive(parts []string) (*archive, error) {
	a := &archive{entries: map[string]tarEntry{}}
	for _, name := range parts {
		f, err := os.Open(name)
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("%w: part %s: %w", ErrBadArchive, name, unwrapPath(err))
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			a.Close()
			return nil, err
		}
		a.parts = append(a.parts, part{name: name, f: f, start: a.size, size: fi.Size()})
		a.size += fi.Size()
	}
	if err := a.index(); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// Close closes the parts.
func (a *archive) Close() error {
	var errs []error
	for _, p := range a.parts {
		errs = append(errs, p.f.Close())
	}
	return errors.Join(errs...)
}

// ReadAt reads the whole archive as one file, across parts.
func (a *archive) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		p, ok := a.partAt(off + int64(n))
		if !ok {
			return n, io.EOF
		}
		m, err := p.f.ReadAt(b[n:min(len(b), n+int(p.start+p.size-off-int64(n)))], off+int64(n)-p.start)
		n += m
		if err != nil && !errors.Is(err, io.EOF) {
			return n, err
		}
		if m == 0 {
			return n, io.ErrUnexpectedEOF
		}
	}
	return n, nil
}

// partAt returns the part holding offset off.
func (a *archive) partAt(off int64) (part, bool) {
	i := sort.Search(len(a.parts), func(i int) bool { return a.parts[i].start+a.parts[i].size > off })
	if i == len(a.parts) {
		return part{}, false
	}
	return a.parts[i], true
}

// partName names the part holding off, for errors.
func (a *archive) partName(off int64) string {
	if p, ok := a.partAt(off); ok {
		return p.name
	}
	return a.parts[len(a.parts)-1].name
}

// counter counts what a reader delivered; tar.Reader reads exactly the
// header blocks before Next returns, so the count is the data offset.
type counter struct {
	r io.ReaderAt
	n int64
}

func (c *counter) Read(b []byte) (int, error) {
	m, err := c.r.ReadAt(b, c.n)
	c.n += int64(m)
	if err == io.EOF && m > 0 {
		err = nil
	}
	return m, err
}

func (c *counter) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		c.n += off
	case io.SeekStart:
		c.n = off
	default:
		return 0, errors.New("seek from the end is not supported")
	}
	return c.n, nil
}

// index reads every header of the tar.
func (a *archive) index() error {
	c := &counter{r: a}
	tr := tar.NewReader(c)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%w: it ends in the middle of an entry: %s is truncated (or a part after it is missing)", ErrBadArchive, a.parts[len(a.parts)-1].name)
			}
			return fmt.Errorf("%w: %s: %w", ErrBadArchive, a.partName(c.n), err)
		}
		name, err := safeName(h)
		if err != nil {
			return fmt.Errorf("%w: %s: entry %q %w", ErrBadArchive, a.partName(c.n), h.Name, err)
		}
		if h.Typeflag == tar.TypeDir {
			continue
		}
		if _, dup := a.entries[name]; dup {
			return fmt.Errorf("%w: %s: entry %q appears twice", ErrBadArchive, a.partName(c.n), h.Name)
		}
		if c.n+h.Size > a.size {
			return fmt.Errorf("%w: entry %q ends after the end of the archive: %s is truncated (or a part after it is missing)", ErrBadArchive, h.Name, a.parts[len(a.parts)-1].name)
		}
		a.entries[name] = tarEntry{name: name, offset: c.n, size: h.Size, mode: h.FileInfo().Mode()}
	}
}

// safeName returns the cleaned name of a tar entry, or why it is refused:
// not a regular file or directory, absolute, or outside the layout.
func safeName(h *tar.Header) (string, error) {
	switch h.Typeflag {
	case tar.TypeReg, tar.TypeDir:
	case tar.TypeSymlink, tar.TypeLink:
		return "", fmt.Errorf("is a link (to %q): refused", h.Linkname)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return "", errors.New("is a device or pipe: refused")
	default:
		return "", fmt.Errorf("has type %q: refused", h.Typeflag)
	}
	n := h.Name
	if strings.HasPrefix(n, "/") || strings.Contains(n, `\`) {
		return "", errors.New("has an absolute path: refused")
	}
	clean := path.Clean(n)
	if clean == ".." || strings.HasPrefix(clean, "../") || slices.Contains(strings.Split(n, "/"), "..") {
		return "", errors.New(`leaves the archive ("..")`)
	}
	return strings.TrimPrefix(clean, "./"), nil
}

// fsys is the archive as an fs.FS of its regular files.
type fsys struct{ a *archive }

func (s fsys) Open(name string) (fs.File, error) {
	e, ok := s.a.entries[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &entryFile{e: e, r: io.NewSectionReader(s.a, e.offset, e.size)}, nil
}

type entryFile struct {
	e tarEntry
	r *io.SectionReader
}

func (f *entryFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *entryFile) Close() error               { return nil }
func (f *entryFile) Stat() (fs.FileInfo, error) { return entryInfo{f.e}, nil }

type entryInfo struct{ e tarEntry }

func (i entryInfo) Name() string       { return path.Base(i.e.name) }
func (i entryInfo) Size() int64        { return i.e.size }
func (i entryInfo) Mode() fs.FileMode  { return i.e.mode }
func (i entryInfo) ModTime() time.Time { return time.Time{} }
func (i entryInfo) IsDir() bool        { return false }
func (i entryInfo) Sys() any           { return nil }

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
