package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlift-cli/airlift/internal/oneline"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
	// ExitInterrupted: stopped by a signal (Ctrl-C), as shells count 128+2.
	ExitInterrupted = 130
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

// EnvLog names an environment variable holding a file to which airlift
// appends, besides stderr, everything it writes there (errors, warnings,
// --debug output), after a line with the time and the command line.
const EnvLog = "AIRLIFT_LOG"

// redactArgs masks the value of --password in a command line.
func redactArgs(args []string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		switch {
		case a == "--password" && i+1 < len(out):
			out[i+1] = "xxxxx"
		case strings.HasPrefix(a, "--password="):
			out[i] = "--password=xxxxx"
		}
	}
	return out
}

// Run runs airlift with args and returns the exit code. It never panics on
// bad input: whatever goes wrong is one line on stderr.
func Run(ctx context.Context, args []string, streams IO) (code int) {
	if path := os.Getenv(EnvLog); path != "" {
		// Also write what goes to stderr to a file: Helm runs post-renderer
		// plugins with their stderr discarded.
		if f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
			defer f.Close()
			fmt.Fprintf(f, "%s airlift %s\n", time.Now().UTC().Format(time.RFC3339), strings.Join(redactArgs(args), " "))
			streams.Err = io.MultiWriter(streams.Err, f)
		} else {
			fmt.Fprintf(streams.Err, "warning: $%s: %v\n", EnvLog, err)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(streams.Err, "airlift: internal error: %v\n", oneLine(fmt.Sprint(r)))
			code = ExitError
		}
	}()
	g := &globals{streams: streams}
	root := newRoot(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errInterrupted):
		return ExitInterrupted // the command has said what it did
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		fmt.Fprintln(streams.Err, "airlift: interrupted")
		return ExitInterrupted
	}
	for _, line := range errorLines(err) {
		fmt.Fprintf(streams.Err, "airlift: %s\n", line)
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitError
}

type globals struct {
	streams IO
	debug   bool
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
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// A word that is no command is a usage error (exit 2), with
		// cobra's suggestions; airlift alone prints the help.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for airlift", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return usageErrorf("%s (see airlift --help)", msg)
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.SuggestionsMinimumDistance = 2
	root.SetVersionTemplate("airlift {{.Version}}\n")
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
	root.AddCommand(newImagesCmd(g), newCopyCmd(g), newPackCmd(g), newUnpackCmd(g), newInspectCmd(g), newServeCmd(g), newPullSecretCmd(g), newDemoCmd(g), newValuesCmd(g), newCheckCmd(g), withManifests(newRelocateCmd(g), g), newPostrenderCmd(g), newVersionCmd(g))
	return root
}

// oneLine flattens a message so that an error is always one line.
func oneLine(s string) string { return oneline.Flatten(s) }
