package bundle

import (
	"os"

	"golang.org/x/sys/unix"
)

// reserve allocates n bytes for f (fallocate): a disk too small fails
// here, with ENOSPC, before anything is written.
func reserve(f *os.File, n int64) error {
	return unix.Fallocate(int(f.Fd()), 0, 0, n)
}
