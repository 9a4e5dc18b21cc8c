package delegate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// EnvBinary names an environment variable that, when set, is the path of
// the binary to delegate to (packaging and tests).
const EnvBinary = "AIRLIFT_CHARTS"

// envDepth marks a process started by delegation, so that a binary that
// delegates to itself fails instead of looping.
const envDepth = "AIRLIFT_DELEGATED"

// ErrNotFound is returned (wrapped) when the binary cannot be found.
var ErrNotFound = errors.New("not found")

// Find returns the path of the binary name: $AIRLIFT_CHARTS, else next to
// this executable (symlinks resolved), else on PATH.
func Find(name string) (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$%s: %w", EnvBinary, err)
		}
		return p, nil
	}
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	self, err := os.Executable()
	if err == nil {
		if resolved, err := filepath.EvalSymlinks(self); err == nil {
			self = resolved
		}
		p := filepath.Join(filepath.Dir(self), name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	where := "on PATH"
	if self != "" {
		where = "next to " + self + " or on PATH"
	}
	return "", fmt.Errorf("%s: %w %s (install both binaries: go install github.com/airlift-cli/airlift/cmd/...)", name, ErrNotFound, where)
}

// To returns a function that runs a command line in the binary name with
// this process's environment and standard streams, and returns its exit
// code. On Unix the binary replaces this process (the function returns
// only on error); elsewhere it is run as a child. env is added to the
// environment (e.g. the caller's version, for the other binary to check).
func To(name string, env ...string) func(ctx context.Context, args []string) (int, error) {
	return func(ctx context.Context, args []string) (int, error) {
		if os.Getenv(envDepth) != "" {
			return 0, fmt.Errorf("%s delegated to a binary without chart support (check $%s and the binaries next to airlift)", name, EnvBinary)
		}
		path, err := Find(name)
		if err != nil {
			return 0, fmt.Errorf("rendering a chart needs %s, airlift with the Helm SDK: %w", name, err)
		}
		full := append(append(os.Environ(), envDepth+"=1"), env...)
		return run(ctx, path, args, full)
	}
}
