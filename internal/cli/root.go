package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/airlift-cli/airlift/pkg/chartspec"
	"github.com/airlift-cli/airlift/pkg/inventory"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// IO are the streams a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// UsageError is a command line that cannot be run as written.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, a ...any) error {
	return &UsageError{Err: fmt.Errorf(format, a...)}
}

// Charts are the calls that render a chart: package fromchart's, given by
// the airlift-charts binary. The light airlift binary has none, so that it
// does not link the Helm SDK and pay its start-up on every run; it hands a
// command line that needs a chart to airlift-charts (Setup.Delegate).
type Charts struct {
	Inventory func(ctx context.Context, req chartspec.Request) (*inventory.Report, error)
	Values    func(ctx context.Context, req chartspec.Request, m reference.Mapping, opts overrides.PlanOptions) (*overrides.Overrides, *overrides.Traced, error)
	Check     func(ctx context.Context, req chartspec.Request, values map[string]any, m reference.Mapping) (*overrides.Report, error)
}

// Setup is what the binary links in.
type Setup struct {
	// Charts renders charts; nil in the light binary.
	Charts *Charts
	// Delegate runs the whole command line in a binary that has Charts,
	// with this process's streams, and returns its exit code (on Unix it
	// replaces this process and returns only on error). It is called, when
	// Charts is nil, by the commands that need a chart, before they read
	// any input.
	Delegate func(ctx context.Context, args []string) (code int, err error)
}

// Run runs airlift with args and returns the exit code. It never panics on
// bad input: whatever goes wrong is one line on stderr.
func Run(ctx context.Context, args []string, streams IO, setup Setup) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(streams.Err, "airlift: internal error: %v\n", oneLine(fmt.Sprint(r)))
			code = ExitError
		}
	}()
	g := &globals{streams: streams, setup: setup, args: args}
	checkSkew(g)
	root := newRoot(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var d *delegated
	if errors.As(err, &d) {
		return d.code // the other binary has said what went wrong
	}
	fmt.Fprintf(streams.Err, "airlift: %s\n", oneLine(err.Error()))
	var ue *UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitError
}

type globals struct {
	streams IO
	setup   Setup
	args    []string // the command line, for Delegate
	debug   bool
}

// delegated is the exit code of a command line run by Setup.Delegate.
type delegated struct{ code int }

func (d *delegated) Error() string { return fmt.Sprintf("exit status %d", d.code) }

// ErrNoCharts is returned by commands that need a chart in a binary built
// without chart support and without a way to delegate.
var ErrNoCharts = errors.New("this airlift binary cannot render charts (it is built without the Helm SDK)")

// charts returns the chart calls. In the light binary it runs the command
// line in the binary that has them instead, and returns a *delegated error
// carrying its exit code: the caller returns that error at once.
func (g *globals) charts(ctx context.Context) (*Charts, error) {
	if g.setup.Charts != nil {
		return g.setup.Charts, nil
	}
	if g.setup.Delegate == nil {
		return nil, ErrNoCharts
	}
	code, err := g.setup.Delegate(ctx, g.args)
	if err != nil {
		return nil, err
	}
	return nil, &delegated{code: code}
}

func (g *globals) logger() *slog.Logger {
	level := slog.LevelWarn
	if g.debug {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(g.streams.Err, &slog.HandlerOptions{Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 && !g.debug {
				return slog.Attr{} // one short line per warning; --debug keeps times
			}
			return a
		}}))
}

func newRoot(g *globals) *cobra.Command {
	streams := g.streams
	root := &cobra.Command{
		Use:   "airlift",
		Short: "Find every image a Kubernetes application runs and bring it to your registry",
		Long: `airlift finds every image a Helm chart or a set of manifests will run, with
where each comes from, so that it can be mirrored to a registry you trust.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	root.PersistentFlags().BoolVar(&g.debug, "debug", false, "log what is being done to stderr")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	root.PersistentPreRun = func(*cobra.Command, []string) {
		// Helm reports some warnings (values that cannot be coalesced)
		// through the process-wide loggers: give them airlift's stderr and
		// format, without timestamps.
		log.SetOutput(streams.Err)
		log.SetFlags(0)
		slog.SetDefault(g.logger())
	}
	root.AddCommand(newImagesCmd(g), newCopyCmd(g), newValuesCmd(g), newCheckCmd(g), newRelocateCmd(g), newPostrenderCmd(g), newVersionCmd(g))
	return root
}

// oneLine flattens a message so that an error is always one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
