package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/fromchart"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/registry"
)

type copyFlags struct {
	chartFlags
	destFlags
	engineFlags
	images string
	dryRun bool
	output string
	lock   string
	shard  string
}

// engineFlags say how images are copied; copy and relocate share them.
type engineFlags struct {
	platforms     []string
	skipReferrers bool
	recheck       bool
	jobs          int
	noProgress    bool
	commitTimeout time.Duration
	ecr           registry.ECROptions
}

func (e *engineFlags) registerEngine(fs *pflag.FlagSet) {
	fs.StringArrayVar(&e.platforms, "platform", nil, "copy only this platform os/arch[/variant] (repeatable); the index is rewritten and its digest changes")
	fs.BoolVar(&e.skipReferrers, "skip-signatures", false, "leave signatures, attestations and SBOMs (referrers, cosign tags) behind")
	fs.BoolVar(&e.recheck, "recheck-signatures", false, "for images the target has already, copy signatures, attestations and SBOMs added to the source since (a few requests per image instead of one)")
	fs.IntVar(&e.jobs, "jobs", 8, "concurrent transfers across all images")
	fs.BoolVar(&e.noProgress, "no-progress", false, "no progress output, only the summary")
	fs.DurationVar(&e.commitTimeout, "commit-timeout", registry.DefaultCommitTimeout, "time a registry may take to answer the request that completes a blob upload (registries on object storage move the blob first)")
	fs.BoolVar(&e.ecr.ScanOnPush, "ecr-scan-on-push", false, "create ECR repositories with scan on push")
	fs.BoolVar(&e.ecr.ImmutableTags, "ecr-immutable-tags", false, "create ECR repositories with immutable tags")
	fs.StringVar(&e.ecr.KMSKey, "ecr-kms-key", "", "create ECR repositories encrypted with this KMS key")
}

// check validates the engine flags.
func (e *engineFlags) check() error {
	for _, p := range e.platforms {
		if n := strings.Count(p, "/"); n < 1 || n > 2 || strings.Contains(p, "//") {
			return usageErrorf("--platform %q: want os/arch[/variant], e.g. linux/amd64", p)
		}
	}
	if e.jobs < 1 {
		return usageErrorf("--jobs must be at least 1")
	}
	if e.recheck && e.skipReferrers {
		return usageErrorf("--recheck-signatures and --skip-signatures contradict each other")
	}
	return nil
}

// adjust adds the engine's registry settings: the commit timeout and how
// ECR repositories are created.
func (e *engineFlags) adjust(o *registry.Options) {
	o.CommitTimeout = e.commitTimeout
	o.ECR = e.ecr
}

// apply sets the engine flags on req.
func (e *engineFlags) apply(req *copyjob.Request, g *globals) {
	req.Engine = mirror.Options{Jobs: e.jobs, Platforms: e.platforms, SkipReferrers: e.skipReferrers, RecheckReferrers: e.recheck, Logger: g.logger()}
}

func newCopyCmd(g *globals) *cobra.Command {
	f := &copyFlags{}
	cmd := &cobra.Command{
		Use:   "copy (CHART | IMAGE... | --images FILE) --to REGISTRY[/PREFIX]",
		Short: "Copy every image of a chart, or a list of images, to your registry",
		Long: `Copy images registry to registry, without a Docker daemon: every platform of
a multi-arch image, by digest (digests unchanged), with signatures and
attestations (OCI referrers and cosign tags), concurrently, skipping what the
target already has and mounting blobs it has in another repository. A tag is
pushed only after everything it points to is there, so an interrupted copy
never leaves a broken tag, and running it again finishes the job.

The images come from a chart (CHART is a directory, a .tgz, a name with
--repo, or oci://...; every flag of "airlift images" applies), from
--images FILE (one reference per line, - for stdin), or from IMAGE
arguments. The target keeps the repository path without the source host:
quay.io/org/app:1 -> REGISTRY/PREFIX/org/app:1, busybox:1.36 ->
REGISTRY/PREFIX/library/busybox:1.36 (--keep-host and --flatten change that).

ECR repositories (*.dkr.ecr.REGION.amazonaws.com) are created as needed; ECR
credentials come from the AWS SDK's default chain when docker has none.`,
		Example: `  airlift copy ./mychart -f prod.yaml --to registry.internal:5000/mirror --dry-run
  airlift copy ./mychart --to 123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror --lock images.lock
  airlift copy --images images.txt --to registry.internal:5000 --platform linux/amd64
  airlift copy quay.io/prometheus/prometheus:v3.14.0 --to localhost:5000
  airlift copy --images all.txt --to registry.internal --shard 2/4   # pod 2 of 4`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.output != "text" && f.output != "json" {
				return usageErrorf("unknown output format %q: use text or json", f.output)
			}
			req, err := f.request(cmd.Context(), args, g)
			if err != nil {
				return err
			}
			prog := newProgress(g.streams.Err, !f.noProgress && f.output == "text" && !f.dryRun)
			req.Engine.Events = prog.event
			rep, runErr := copyjob.Run(cmd.Context(), req)
			prog.stop()
			if rep == nil {
				return runErr
			}
			for _, w := range rep.Warnings {
				fmt.Fprintf(g.streams.Err, "warning: %s\n", oneLine(w.String()))
			}
			if f.lock != "" && !f.dryRun {
				if err := copyjob.NewLock(rep.Destination, rep.Results).WriteFile(f.lock); err != nil {
					return err
				}
			}
			if err := printCopy(g.streams.Out, g.streams.Err, f.output, rep); err != nil {
				return err
			}
			if errors.Is(runErr, copyjob.ErrFailed) {
				return fmt.Errorf("%w (see the lines above)", runErr)
			}
			return runErr
		},
	}
	fs := cmd.Flags()
	f.register(fs)
	fs.StringVar(&f.images, "images", "", "file with one image reference per line (# comments allowed), - for stdin")
	f.registerDest(fs, "")
	f.registerEngine(fs)
	fs.BoolVar(&f.dryRun, "dry-run", false, "resolve and check every image, print the plan, copy nothing")
	fs.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fs.StringVar(&f.lock, "lock", "", "write source -> digest -> target of every image to FILE (YAML)")
	fs.StringVar(&f.shard, "shard", "", "copy only share i of n of the images (i/n), for n parallel jobs")
	return cmd
}

// request turns the command line into the library request; a chart is
// rendered here, into the request's inventory.
func (f *copyFlags) request(ctx context.Context, args []string, g *globals) (req copyjob.Request, err error) {
	m, err := f.mapping()
	if err != nil {
		return req, err
	}
	req = copyjob.Request{Mapping: m, DryRun: f.dryRun}
	if f.shard != "" {
		if req.Shard, err = copyjob.ParseShard(f.shard); err != nil {
			return req, &UsageError{Err: err}
		}
	}
	if err := f.check(); err != nil {
		return req, err
	}
	f.apply(&req, g)
	// A chart is an oci:// reference, anything with --repo, or a path that
	// exists; every other argument is an image reference.
	chartArg := ""
	var src chart.Source
	switch {
	case len(args) == 1 && (f.src.RepoURL != "" || strings.HasPrefix(args[0], "oci://") || exists(args[0])):
		chartArg = args[0]
		src = f.source(chartArg)
	default:
		req.Images = append(req.Images, args...)
	}
	if req.Registry, err = f.client(g, src, f.adjust); err != nil {
		return req, err
	}
	if f.images != "" {
		refs, err := readImageList(f.images, g.streams.In)
		if err != nil {
			return req, err
		}
		req.Images = append(req.Images, refs...)
	}
	if chartArg != "" {
		cr, done, err := f.chartFlags.request(src, req.Registry, g)
		defer done()
		if err != nil {
			return req, err
		}
		if req.Inventory, err = fromchart.Inventory(ctx, cr); err != nil {
			return req, err
		}
	}
	if req.Inventory == nil && len(req.Images) == 0 {
		return req, usageErrorf("copy needs a CHART, IMAGE arguments or --images FILE")
	}
	return req, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// readImageList reads one reference per line; blank lines and # comments
// are skipped.
func readImageList(name string, stdin io.Reader) ([]string, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("reading images: %w", err)
		}
		defer f.Close()
		r = f
	}
	var refs []string
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if i := strings.Index(s, "#"); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
		if s == "" {
			continue
		}
		if _, err := reference.Parse(s); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		refs = append(refs, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading images: %w", err)
	}
	return refs, nil
}

// copyJSON is the documented shape of `copy -o json`.
type copyJSON struct {
	Destination string          `json:"destination"`
	DryRun      bool            `json:"dryRun"`
	Shard       string          `json:"shard,omitempty"`
	Images      []copyJSONImage `json:"images"`
	Prepare     []string        `json:"prepare,omitempty"`
	Summary     copyjob.Summary `json:"summary"`
	Seconds     float64         `json:"seconds"`
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

func statusName(r mirror.Result, dry bool) string {
	switch r.Status {
	case mirror.Present:
		return "present"
	case mirror.Failed:
		return "failed"
	}
	if dry {
		return "would-copy"
	}
	return "copied"
}

func printCopy(out, errOut io.Writer, format string, rep *copyjob.Report) error {
	sum := rep.Summary()
	if format == "json" {
		doc := copyJSON{Destination: rep.Destination, DryRun: rep.DryRun, Prepare: rep.Prepare, Summary: sum, Seconds: rep.Elapsed.Seconds(), Images: []copyJSONImage{}}
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
			if r.Err != nil {
				ji.Error = oneLine(r.Err.Error())
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
	if rep.DryRun {
		for _, p := range rep.Prepare {
			fmt.Fprintf(out, "%s (dry-run)\n", p)
		}
		for _, r := range rep.Results {
			switch r.Status {
			case mirror.Present:
				fmt.Fprintf(out, "Present %s at %s (dry-run)\n", r.Image.Source, r.Image.Target)
			case mirror.Failed:
				fmt.Fprintf(out, "Cannot copy %s to %s: %s (dry-run)\n", r.Image.Source, r.Image.Target, oneLine(r.Err.Error()))
			default:
				fmt.Fprintf(out, "Copying %s to %s (dry-run)\n", r.Image.Source, r.Image.Target)
			}
		}
		fmt.Fprintf(errOut, "%d images: %d to copy, %d already present, %d failed (dry-run, %s)\n",
			sum.Images, sum.Copied, sum.Present, sum.Failed, rep.Elapsed.Round(time.Millisecond))
		return nil
	}
	for _, r := range rep.Results {
		if r.Status == mirror.Failed {
			fmt.Fprintf(errOut, "failed: %s -> %s: %s\n", r.Image.Source, r.Image.Target, oneLine(r.Err.Error()))
		}
		if r.Filtered {
			fmt.Fprintf(errOut, "note: %s was filtered to %s: its index digest changed from %s to %s\n",
				r.Image.Target, strings.Join(platformsOf(rep), ", "), r.SourceDigest, r.TargetDigest)
		}
	}
	secs := rep.Elapsed.Seconds()
	rate := ""
	if secs > 0 && sum.Bytes > 0 {
		rate = fmt.Sprintf(", %s/s", humanBytes(int64(float64(sum.Bytes)/secs)))
	}
	fmt.Fprintf(errOut, "%d images: %d copied, %d already present, %d failed; %s sent, %d blobs mounted, %d signatures/attestations; %s%s\n",
		sum.Images, sum.Copied, sum.Present, sum.Failed, humanBytes(sum.Bytes), sum.Mounted, sum.Referrers,
		rep.Elapsed.Round(10*time.Millisecond), rate)
	return nil
}

func platformsOf(rep *copyjob.Report) []string { return rep.Platforms }

func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
