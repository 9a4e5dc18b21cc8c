package bundle

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// outFile is a file an archive is written to (*os.File; a test makes one
// that fails as a full disk does).
type outFile interface {
	io.WriterAt
	io.ReaderAt
	Sync() error
	Close() error
	Name() string
}

// testCreate, set by tests, makes the files an archive is written to.
var testCreate func(name string) (outFile, error)

// sink is a tar being written at any offset: one file, or numbered parts
// of split bytes each (the last one shorter), laid end to end.
type sink struct {
	files []outFile
	split int64 // 0: one file
	size  int64
}

// sinkNames are the files of a sink of size bytes in parts of split
// bytes (split 0: one file) named after base.
func sinkNames(base string, size, split int64) []string {
	if split <= 0 {
		return []string{base}
	}
	n := max(1, (size+split-1)/split)
	names := make([]string, n)
	for i := range names {
		names[i] = partName(base, i)
	}
	return names
}

// partSize is the size of file i of a sink of size bytes in parts of
// split bytes (split 0: one file).
func partSize(size, split int64, i int) int64 {
	if split <= 0 {
		return size
	}
	return min(split, size-int64(i)*split)
}

// createSink makes the files of a sink of size bytes named after base,
// their space reserved up front where the file system can (so that a disk
// too small is found before anything is fetched).
func createSink(base string, size, split int64) (*sink, error) {
	s := &sink{split: split, size: size}
	names := sinkNames(base, size, split)
	for i, name := range names {
		f, err := createOut(name, partSize(size, split, i))
		if err != nil {
			s.remove()
			if errors.Is(err, syscall.ENOSPC) {
				return nil, fmt.Errorf("the archive needs %d bytes (%.1f GB) in %s: %w", size, float64(size)/1e9, filepath.Dir(filepath.Dir(base)), err)
			}
			return nil, err
		}
		s.files = append(s.files, f)
	}
	return s, nil
}

// createOut creates one file of n bytes.
func createOut(name string, n int64) (outFile, error) {
	if testCreate != nil {
		return testCreate(name)
	}
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return nil, err
	}
	err = reserve(f, n)
	switch {
	case errors.Is(err, syscall.ENOSPC):
		f.Close()
		os.Remove(name)
		return nil, err
	case err != nil: // not supported here: the space is taken as it is written
		err = f.Truncate(n)
	}
	if err != nil {
		f.Close()
		os.Remove(name)
		return nil, err
	}
	return f, nil
}

// openSink opens the files of an earlier sink of size bytes named after
// base, for writing on; ok is false when they are not all there with
// their sizes (nothing is opened then).
func openSink(base string, size, split int64) (*sink, bool) {
	s := &sink{split: split, size: size}
	names := sinkNames(base, size, split)
	for i, name := range names {
		want := partSize(size, split, i)
		f, err := os.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			s.Close()
			return nil, false
		}
		if fi, err := f.Stat(); err != nil || fi.Size() != want {
			f.Close()
			s.Close()
			return nil, false
		}
		s.files = append(s.files, f)
	}
	// A part beyond the last one would belong to another layout.
	if _, err := os.Stat(partName(base, len(names))); split > 0 && err == nil {
		s.Close()
		return nil, false
	}
	return s, true
}

// at maps an offset of the whole to a file and the offset in it, and
// says how many bytes of that file follow.
func (s *sink) at(off int64) (outFile, int64, int64) {
	if s.split <= 0 {
		return s.files[0], off, s.size - off
	}
	i := off / s.split
	if i >= int64(len(s.files)) {
		return nil, 0, 0
	}
	in := off - i*s.split
	return s.files[i], in, min(s.split, s.size-i*s.split) - in
}

// WriteAt writes b at off of the whole, across parts.
func (s *sink) WriteAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		f, in, left := s.at(off + int64(n))
		if f == nil || left <= 0 {
			return n, fmt.Errorf("writing at %d: beyond the end of the archive (%d bytes)", off+int64(n), s.size)
		}
		m, err := f.WriteAt(b[n:n+int(min(int64(len(b)-n), left))], in)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// ReadAt reads at off of the whole, across parts.
func (s *sink) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		f, in, left := s.at(off + int64(n))
		if f == nil || left <= 0 {
			return n, io.EOF
		}
		m, err := f.ReadAt(b[n:n+int(min(int64(len(b)-n), left))], in)
		n += m
		if err != nil && !(errors.Is(err, io.EOF) && m > 0) {
			return n, err
		}
	}
	return n, nil
}

// Sync flushes every file to disk.
func (s *sink) Sync() error {
	for _, f := range s.files {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the files.
func (s *sink) Close() error {
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Close())
	}
	s.files = nil
	return errors.Join(errs...)
}

// names are the files' paths.
func (s *sink) names() []string {
	out := make([]string, len(s.files))
	for i, f := range s.files {
		out[i] = f.Name()
	}
	return out
}

// remove closes and removes the files.
func (s *sink) remove() {
	names := s.names()
	s.Close()
	for _, n := range names {
		os.Remove(n)
	}
}

// removeSink removes every file of a sink named after base, whatever its
// layout.
func removeSink(base string) {
	os.Remove(base)
	matches, _ := filepath.Glob(base + ".[0-9][0-9][0-9]")
	for _, m := range matches {
		os.Remove(m)
	}
}

// renameSink moves the files of a sink named after from (whatever its
// layout) to the same names after to.
func renameSink(from, to string) error {
	removeSink(to)
	if err := os.Rename(from, to); err == nil || !os.IsNotExist(err) {
		return err
	}
	matches, _ := filepath.Glob(from + ".[0-9][0-9][0-9]")
	for _, m := range matches {
		if err := os.Rename(m, to+m[len(from):]); err != nil {
			return err
		}
	}
	return nil
}
