package bundle

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrMissingPart is wrapped when a part of a split archive is missing.
var ErrMissingPart = errors.New("part missing")

// partName is the name of part i of an archive split into parts.
func partName(archive string, i int) string { return fmt.Sprintf("%s.%03d", archive, i) }

// Parts returns the files of the archive named path: the file itself, or,
// when it was split, PATH.000, PATH.001, ... in order. A gap in the
// numbering is an error naming the missing part (found before anything is
// read from the archive).
func Parts(path string) ([]string, error) {
	base, first := strings.CutSuffix(path, ".000")
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() && !first {
		return []string{path}, nil
	}
	matches, err := filepath.Glob(base + ".[0-9][0-9][0-9]")
	if err != nil {
		return nil, err
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("archive %s: %w", path, fs.ErrNotExist)
	}
	nums := make([]int, 0, len(matches))
	for _, m := range matches {
		n, _ := strconv.Atoi(m[len(m)-3:])
		nums = append(nums, n)
	}
	sort.Ints(nums)
	var parts []string
	for i, n := range nums {
		if n != i {
			return nil, fmt.Errorf("archive %s: %w: %s (the parts go up to %s)", base, ErrMissingPart, partName(base, i), partName(base, nums[len(nums)-1]))
		}
		parts = append(parts, partName(base, n))
	}
	return parts, nil
}

// partsWriter writes a stream into files of at most size bytes each
// (size 0: one file), under temporary names; Commit renames them to their
// names (PATH, or PATH.000, PATH.001, ...) and removes parts of an
// earlier, longer archive; Abort removes them.
type partsWriter struct {
	path   string
	size   int64
	files  []partFile
	cur    int64 // bytes in the current file
	create func(i int) (partFile, error)
	// sync flushes the parts to disk before they are named (as tar and
	// cp, an archive is otherwise left to the page cache).
	sync bool
}

// partFile is a file a part is written to (*os.File; a test makes one that
// fails as a full disk does).
type partFile interface {
	io.Writer
	Sync() error
	Close() error
	Name() string
}

func newPartsWriter(path string, size int64) *partsWriter {
	return &partsWriter{path: path, size: size, create: func(i int) (partFile, error) {
		return os.OpenFile(partialName(path, i), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
	}}
}

func (w *partsWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		if len(w.files) == 0 || w.size > 0 && w.cur >= w.size {
			f, err := w.create(len(w.files))
			if err != nil {
				return n, err
			}
			w.files = append(w.files, f)
			w.cur = 0
		}
		chunk := b
		if w.size > 0 && int64(len(chunk)) > w.size-w.cur {
			chunk = chunk[:w.size-w.cur]
		}
		m, err := w.files[len(w.files)-1].Write(chunk)
		n += m
		w.cur += int64(m)
		b = b[m:]
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// ReadFrom copies r into the parts; into a single file, from a file, the
// kernel copies (copy_file_range) and nothing passes through this process.
func (w *partsWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.size == 0 {
		if len(w.files) == 0 {
			f, err := w.create(len(w.files))
			if err != nil {
				return 0, err
			}
			w.files = append(w.files, f)
		}
		if rf, ok := w.files[0].(io.ReaderFrom); ok {
			return rf.ReadFrom(r)
		}
	}
	return io.Copy(struct{ io.Writer }{w}, r)
}

// final returns the names the parts get.
func (w *partsWriter) final() []string {
	if w.size == 0 {
		return []string{w.path}
	}
	names := make([]string, len(w.files))
	for i := range w.files {
		names[i] = partName(w.path, i)
	}
	return names
}

// Commit renames the parts into place, synced first when asked.
func (w *partsWriter) Commit() ([]string, error) {
	if len(w.files) == 0 { // an empty stream still makes a file
		f, err := w.create(len(w.files))
		if err != nil {
			return nil, err
		}
		w.files = append(w.files, f)
	}
	for _, f := range w.files {
		if w.sync {
			if err := f.Sync(); err != nil {
				w.Abort()
				return nil, err
			}
		}
		if err := f.Close(); err != nil {
			w.Abort()
			return nil, err
		}
	}
	names := w.final()
	for i, f := range w.files {
		if err := os.Rename(f.Name(), names[i]); err != nil {
			w.Abort()
			return nil, err
		}
	}
	clearAfter(w.path, len(names), w.size > 0)
	if w.sync {
		syncDir(w.path)
	}
	return names, nil
}

// clearAfter removes what an earlier archive named path left that the n
// files just named do not replace: the whole file, when the new one is
// split, and the parts from n on.
func clearAfter(path string, n int, split bool) {
	first := 0
	if split {
		os.Remove(path)
		first = n
	}
	for i := first; os.Remove(partName(path, i)) == nil; i++ {
	}
}

// syncDir flushes the directory of path (the names just given) to disk.
func syncDir(path string) {
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Abort removes the temporary parts.
func (w *partsWriter) Abort() {
	for _, f := range w.files {
		f.Close()
		os.Remove(f.Name())
	}
	w.files = nil
}

// multiReader reads the parts of an archive in order.
func multiReader(parts []string) (io.ReadCloser, error) {
	var rs []io.Reader
	var fs []*os.File
	for _, p := range parts {
		f, err := os.Open(p)
		if err != nil {
			for _, f := range fs {
				f.Close()
			}
			return nil, err
		}
		fs = append(fs, f)
		rs = append(rs, f)
	}
	return &multiCloser{Reader: io.MultiReader(rs...), files: fs}, nil
}

type multiCloser struct {
	io.Reader
	files []*os.File
}

func (m *multiCloser) Close() error {
	var errs []error
	for _, f := range m.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}
