//go:build !linux

package bundle

import (
	"errors"
	"os"
)

// reserve is not supported here: the file is sized, and its space taken
// as it is written.
func reserve(*os.File, int64) error { return errors.ErrUnsupported }
