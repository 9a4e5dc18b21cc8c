//go:build !unix

package delegate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
)

func run(ctx context.Context, path string, args, env []string) (int, error) {
	return child(ctx, path, args, env)
}

// child runs path as a child process with this process's streams.
func child(ctx context.Context, path string, args, env []string) (int, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 0, fmt.Errorf("running %s: %w", path, err)
	}
	return 0, nil
}
