// Command airlift-charts is airlift with chart rendering linked in (the
// Helm SDK): the same commands and flags. airlift runs it for every command
// that needs a chart; it can also be run directly.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/airlift-cli/airlift/internal/cli"
	"github.com/airlift-cli/airlift/internal/startup"
	"github.com/airlift-cli/airlift/pkg/fromchart"
)

func main() {
	startup.Done()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr},
		cli.Setup{Charts: &cli.Charts{Inventory: fromchart.Inventory, Values: fromchart.Values, Check: fromchart.Check}})
	stop()
	os.Exit(code)
}
