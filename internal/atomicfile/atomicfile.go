package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// Write writes data to path with permissions perm (not reduced by the
// umask): to a temporary file in the same directory, which is synced to
// disk, given perm, and renamed over path; then the directory is synced so
// that the rename survives a crash too. On any failure before the rename
// path is as it was (absent, or the old content) and the temporary file is
// removed. A failure to sync the directory after the rename is returned,
// though path then has the new content; a file system that cannot sync
// directories is not a failure.
func Write(path string, data []byte, perm os.FileMode) error {
	if err := osCalls.write(path, data, perm); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// calls are the file system calls Write makes; tests make each one fail.
type calls struct {
	createTemp func(dir, pattern string) (*os.File, error)
	writeFile  func(f *os.File, data []byte) (int, error)
	syncFile   func(f *os.File) error
	closeFile  func(f *os.File) error
	chmod      func(name string, perm os.FileMode) error
	rename     func(from, to string) error
	syncDir    func(dir string) error
}

var osCalls = calls{
	createTemp: os.CreateTemp,
	writeFile:  (*os.File).Write,
	syncFile:   (*os.File).Sync,
	closeFile:  (*os.File).Close,
	chmod:      os.Chmod,
	rename:     os.Rename,
	syncDir:    syncDir,
}

func (c calls) write(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := c.createTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp, closed := f.Name(), false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	if _, err = c.writeFile(f, data); err != nil {
		return err
	}
	if err = c.syncFile(f); err != nil {
		return err
	}
	closed = true
	if err = c.closeFile(f); err != nil {
		return err
	}
	if err = c.chmod(tmp, perm); err != nil {
		return err
	}
	if err = c.rename(tmp, path); err != nil {
		return err
	}
	return c.syncDir(dir)
}

// syncDir flushes dir's entries (a rename) to disk. Windows cannot open a
// directory for syncing (its renames are metadata-journaled).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("syncing directory: %w", err)
	}
	return nil
}

// Check makes sure Write(path) can succeed, before long work whose result
// goes there: path is not a directory, and a temporary file can be created
// (and is removed) in its directory. It changes nothing.
func Check(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("cannot write %s: it is a directory", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".check-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// unwrapPath drops the temporary file's name from a *PathError.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
