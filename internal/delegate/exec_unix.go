//go:build unix

package delegate

import (
	"context"
	"fmt"
	"syscall"
)

// run replaces this process with path: same PID, streams and signals,
// and the exit code is path's.
func run(_ context.Context, path string, args, env []string) (int, error) {
	argv := append([]string{path}, args...)
	if err := syscall.Exec(path, argv, env); err != nil {
		return 0, fmt.Errorf("running %s: %w", path, err)
	}
	panic("unreachable")
}
