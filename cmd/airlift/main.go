// Command airlift finds every image a Kubernetes application will run and
// brings the images to the user's registry. See README.md.
//
// This binary does not link the Helm SDK, so that copying a list of images,
// post-rendering and every --help start in milliseconds. A command that
// needs a chart is run by airlift-charts, installed next to it (package
// delegate).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/airlift-cli/airlift/internal/cli"
	"github.com/airlift-cli/airlift/internal/delegate"
	"github.com/airlift-cli/airlift/internal/startup"
)

func main() {
	startup.Done()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr},
		cli.Setup{Delegate: delegate.To("airlift-charts", cli.EnvDelegatedFrom+"="+cli.BuildVersion())})
	stop()
	os.Exit(code)
}
