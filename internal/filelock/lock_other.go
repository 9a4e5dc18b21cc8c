//go:build !unix && !windows

package filelock

import (
	"errors"
	"os"
)

// Elsewhere (wasm, plan9) there is no lock: every TryLock succeeds.
var errWouldBlock = errors.New("would block")

func lock(*os.File) error { return nil }
func unlock(*os.File)     {}
