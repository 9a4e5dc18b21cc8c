package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/airlift-cli/airlift/pkg/blobindex"
	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/registry"
)

// copyOutput says how a copy reports: the format (text or json), whether
// progress is shown, and the lock file to write ("" none).
type copyOutput struct {
	format    string
	progress  bool
	lock      string
	blobIndex string // file of blob locations across runs; "" none
	// archive, when set after the run, is reported with it (pack).
	archive *archiveJSON
	// command is what to run again to finish an interrupted run ("" =
	// copy).
	command string
}

// archiveJSON is the archive a pack wrote, in `pack -o json`.
type archiveJSON struct {
	Files []string `json:"files"`
	Size  int64    `json:"size"`
	Blobs int      `json:"blobs"`
	// LeftOut counts the blobs left out by --diff.
	LeftOut int `json:"leftOut,omitempty"`
}

// errInterrupted ends a command the user interrupted, after it said what
// was done; the exit code is ExitInterrupted.
var errInterrupted = errors.New("interrupted")

// runCopy runs a copy job with progress and prints its report: what was
// copied, each failure once, the summary. An interrupted copy reports
// what it did and returns errInterrupted.
func runCopy(ctx context.Context, g *globals, req copyjob.Request, out copyOutput) error {
	return runEngine(ctx, g, req.Engine, req.DryRun, &out, func(ctx context.Context, engine mirror.Options) (*copyjob.Report, error) {
		req.Engine = engine
		return copyjob.Run(ctx, req)
	})
}

// runEngine runs a job of the copy engine (a copy, a pack, an unpack) with
// progress and the blob index, and prints its report; run is given the
// engine options to use.
func runEngine(ctx context.Context, g *globals, engine mirror.Options, dryRun bool, out *copyOutput,
	run func(context.Context, mirror.Options) (*copyjob.Report, error)) error {
	var index *blobindex.Index
	if out.blobIndex != "" && !dryRun {
		index = blobindex.Load(out.blobIndex) // read while the images are looked up
		engine.Blobs = index
	}
	prog := newProgress(g.streams.Err, out.progress && out.format == "text", g.debug)
	engine.Events = prog.event
	rep, runErr := run(ctx, engine)
	prog.stop()
	if index != nil {
		if err := index.Err(); err != nil {
			fmt.Fprintf(g.streams.Err, "warning: %s\n", oneLine(err.Error()))
		}
		if err := index.Save(); err != nil {
			fmt.Fprintf(g.streams.Err, "warning: %s\n", oneLine(err.Error()))
		}
	}
	if rep == nil {
		return runErr
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(g.streams.Err, "warning: %s\n", oneLine(w.String()))
	}
	lockErr := error(nil)
	if out.lock != "" && !rep.DryRun {
		lockErr = copyjob.NewLock(rep.Destination, rep.Results).WriteFile(out.lock)
	}
	// Failures were shown live by the progress lines; otherwise here.
	if err := printCopy(g.streams.Out, g.streams.Err, out, rep, !prog.shown(), g.debug); err != nil {
		return err
	}
	switch {
	case lockErr != nil:
		return lockErr
	case errors.Is(runErr, copyjob.ErrInterrupted):
		return errInterrupted
	}
	return runErr
}

// copyJSON is the documented shape of `copy -o json`.
type copyJSON struct {
	Destination string          `json:"destination"`
	DryRun      bool            `json:"dryRun"`
	Interrupted bool            `json:"interrupted,omitempty"`
	Shard       string          `json:"shard,omitempty"`
	Images      []copyJSONImage `json:"images"`
	Prepare     []string        `json:"prepare,omitempty"`
	Created     []string        `json:"created,omitempty"`
	Summary     copyjob.Summary `json:"summary"`
	Seconds     float64         `json:"seconds"`
	Archive     *archiveJSON    `json:"archive,omitempty"`
}

type copyJSONImage struct {
	Source       string `json:"source"`
	Target       string `json:"target"`
	Status       string `json:"status"`
	Digest       string `json:"digest,omitempty"`
	TargetDigest string `json:"targetDigest,omitempty"`
	Filtered     bool   `json:"filtered,omitempty"`
	Bytes        int64  `json:"bytes"`
	Blobs        int    `json:"blobs"`
	Mounted      int    `json:"mounted"`
	Skipped      int    `json:"skipped"`
	Referrers    int    `json:"referrers"`
	Error        string `json:"error,omitempty"`
}

// statusName is the status of a result in the JSON report.
func statusName(r mirror.Result, dry bool) string {
	switch {
	case copyjob.Interrupted(r):
		return "interrupted"
	case r.Status == mirror.Present:
		return "present"
	case r.Status == mirror.Failed:
		return "failed"
	case dry:
		return "would-copy"
	}
	return "copied"
}

// printCopy prints the report: -o json on out; for text, the plan of a
// dry run on out, failures (unless shown already) and the summary on
// errOut.
func printCopy(out, errOut io.Writer, o *copyOutput, rep *copyjob.Report, failures, debug bool) error {
	sum := rep.Summary()
	if o.format == "json" {
		doc := copyJSON{Destination: rep.Destination, DryRun: rep.DryRun, Interrupted: sum.Interrupted > 0, Archive: o.archive,
			Prepare: rep.Prepare, Created: rep.Created, Summary: sum, Seconds: rep.Elapsed.Seconds(), Images: []copyJSONImage{}}
		if rep.Shard.Count > 1 {
			doc.Shard = rep.Shard.String()
		}
		for _, r := range rep.Results {
			ji := copyJSONImage{
				Source: r.Image.Source.String(), Target: r.Image.Target.String(), Status: statusName(r, rep.DryRun),
				Digest: r.SourceDigest.String(), Filtered: r.Filtered, Bytes: r.Bytes, Blobs: r.Blobs,
				Mounted: r.Mounted, Skipped: r.Skipped, Referrers: r.Referrers,
			}
			if r.TargetDigest != "" && r.TargetDigest != r.SourceDigest {
				ji.TargetDigest = r.TargetDigest.String()
			}
			if r.Err != nil && !copyjob.Interrupted(r) {
				ji.Error = failureText(r.Err, debug)
			}
			doc.Images = append(doc.Images, ji)
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", b)
		return err
	}
	for _, r := range rep.Results {
		switch {
		case copyjob.Interrupted(r):
		case r.Status == mirror.Failed:
			if failures || rep.DryRun {
				fmt.Fprintf(errOut, "failed %s: %s\n", r.Image.Source, failureText(r.Err, debug))
			}
		case rep.DryRun && r.Status == mirror.Present:
			fmt.Fprintf(out, "present %s at %s\n", r.Image.Source, r.Image.Target)
		case rep.DryRun:
			fmt.Fprintf(out, "copy    %s to %s\n", r.Image.Source, r.Image.Target)
		case r.Filtered:
			fmt.Fprintf(errOut, "note: %s was filtered to %s: its index digest changed from %s to %s\n",
				r.Image.Target, strings.Join(rep.Platforms, ", "), r.SourceDigest, r.TargetDigest)
		}
	}
	if rep.DryRun {
		for _, p := range rep.Prepare {
			fmt.Fprintf(out, "%s\n", p)
		}
		fmt.Fprintf(errOut, "dry run, %d images: %d to copy, %d already present, %d failed (%s)\n",
			sum.Images, sum.Copied, sum.Present, sum.Failed, rep.Elapsed.Round(time.Millisecond))
		return nil
	}
	for _, c := range rep.Created {
		fmt.Fprintf(errOut, "created %s\n", c)
	}
	rate := ""
	if secs := rep.Elapsed.Seconds(); secs > 0 && sum.Bytes > 0 {
		rate = fmt.Sprintf(", %s/s", humanBytes(int64(float64(sum.Bytes)/secs)))
	}
	head := fmt.Sprintf("%d images: %d copied, %d already present, %d failed", sum.Images, sum.Copied, sum.Present, sum.Failed)
	if sum.Interrupted > 0 {
		head = fmt.Sprintf("interrupted: %d of %d images copied, %d already present, %d failed, %d not finished (run the %s again to finish)",
			sum.Copied, sum.Images, sum.Present, sum.Failed, sum.Interrupted, cmp.Or(o.command, "copy"))
	}
	// A pack fetches into a file: nothing is sent, and a blob several
	// images use is written once, not mounted.
	sent, mounted := "sent", "blobs mounted"
	if o.command == "pack" {
		sent, mounted = "fetched", "blobs shared by images"
	}
	fmt.Fprintf(errOut, "%s; %s %s, %d %s, %d signatures/attestations; %s%s\n",
		head, humanBytes(sum.Bytes), sent, sum.Mounted, mounted, sum.Referrers, rep.Elapsed.Round(10*time.Millisecond), rate)
	return nil
}

// failureText is one failure on one line, the cause first and then what
// was being done: "authentication to r.example failed: ... (pushing blob
// sha256:0123456789ab to the target)". With --debug, the whole chain.
func failureText(err error, debug bool) string {
	if debug {
		return oneLine(err.Error())
	}
	cause := rootCause(err)
	text := oneLine(cause.Error())
	var op *mirror.OpError
	if errors.As(err, &op) && op.Err != cause {
		what := op.Op
		switch {
		case op.Digest != "":
			what += " " + shortDigest(op.Digest.String())
		case op.Ref != "":
			what += " " + op.Ref
		}
		text += fmt.Sprintf(" (%s, %s)", what, op.Side)
	} else if errors.As(err, &op) {
		text = fmt.Sprintf("%s: %s (%s)", op.Op, text, op.Side)
	}
	if h := hint(err); h != "" {
		text += "; " + h
	}
	return text
}

// rootCause is the most telling error of a chain: a registry's refusal or
// unreachability (they name the host), else what is left when the
// engine's wrappers (which image, which operation) are taken off.
func rootCause(err error) error {
	var auth *registry.AuthError
	var host *registry.HostError
	switch {
	case errors.As(err, &auth):
		return auth
	case errors.As(err, &host):
		return host
	}
	for {
		var ie *mirror.ImageError
		var op *mirror.OpError
		switch {
		case errors.As(err, &ie) && ie == err:
			err = ie.Err
		case errors.As(err, &op) && op == err:
			err = op.Err
		default:
			return err
		}
	}
}

// errorLines is the error a command ended with, as the lines to print:
// one per problem a copy's pre-flight found (the cause first, with the
// flag that would help), then what it means; else the error and its hint
// on one line.
func errorLines(err error) []string {
	var pf *registry.PreflightError
	if !errors.As(err, &pf) {
		msg := oneLine(err.Error())
		if h := hint(err); h != "" {
			msg += "; " + h
		}
		return []string{msg}
	}
	var lines []string
	for _, p := range pf.Problems {
		text := oneLine(rootCause(p).Error())
		if h := hint(p); h != "" {
			text += "; " + h
		}
		lines = append(lines, "pre-flight: "+text)
	}
	s := "s"
	if len(pf.Problems) == 1 {
		s = ""
	}
	return append(lines, fmt.Sprintf("nothing copied: the pre-flight found %d problem%s (--skip-preflight copies without it)", len(pf.Problems), s))
}

// hint names the flag that would likely help with err: the library's
// typed errors say what is wrong, the command line says how to fix it.
func hint(err error) string {
	var host *registry.HostError
	if errors.As(err, &host) {
		switch host.Fix {
		case registry.FixPlainHTTP:
			return "if it serves plain HTTP: --plain-http-registry " + host.Registry
		case registry.FixTrust:
			return "trust its CA with --ca-file FILE, or skip verification with --insecure-registry " + host.Registry
		}
	}
	var authErr *registry.AuthError
	if errors.As(err, &authErr) && errors.Is(err, auth.ErrBasicCredentialNotFound) {
		return "log in with docker login " + authErr.Registry + ", or give --docker-config"
	}
	return ""
}
