// Command airlift finds every image a Kubernetes application will run and
// brings the images to the user's registry. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/airlift-cli/airlift/internal/cli"
)

func main() {
	// The first interrupt cancels the work, which then stops and prints
	// what was done; a second one ends the process at once, as a user who
	// presses Ctrl-C again expects.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }()
	stopProfile := startProfile()
	code := cli.Run(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stopProfile()
	stop()
	os.Exit(code)
}
