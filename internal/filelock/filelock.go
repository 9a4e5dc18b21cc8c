package filelock

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrLocked is wrapped by the error of TryLock when another process holds
// the lock.
var ErrLocked = errors.New("locked by another process")

// LockedError says which process holds a lock, where it could be read.
type LockedError struct {
	Path string
	PID  int // 0 when unknown
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s: %v (pid %d)", e.Path, ErrLocked, e.PID)
	}
	return fmt.Sprintf("%s: %v", e.Path, ErrLocked)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// Lock is a held lock.
type Lock struct{ f *os.File }

// TryLock creates path if needed and locks it without waiting; the
// holder's process id is written into it. When another process holds it,
// the error is a *LockedError (errors.Is(err, ErrLocked)). A file removed
// by its holder while this call opened it is opened again, so that a lock
// is never taken on a file that no longer has the name.
func TryLock(path string) (*Lock, error) {
	for range 10 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
		if err != nil {
			return nil, err
		}
		if err := lock(f); err != nil {
			f.Close()
			if errors.Is(err, errWouldBlock) {
				return nil, &LockedError{Path: path, PID: readPID(path)}
			}
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			_ = f.Truncate(0)
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			return &Lock{f: f}, nil
		}
		unlock(f)
		f.Close()
	}
	return nil, fmt.Errorf("locking %s: the file keeps being replaced", path)
}

// Unlock releases the lock. The file stays (removing it would let a
// process that opened it a moment before lock a file without a name).
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	unlock(l.f)
	err := l.f.Close()
	l.f = nil
	return err
}

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
