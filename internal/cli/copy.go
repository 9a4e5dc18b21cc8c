package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/airlift-cli/airlift/internal/atomicfile"
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
	job    jobFlags
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
	harbor        registry.HarborOptions
	harborDetect  string // auto, on, off
	harborQuota   string // a size; "" Harbor's default
	skipPreflight bool
	blobIndex     string
	through       string
}

// defaultBlobIndex is where copies remember blob locations across runs.
func defaultBlobIndex() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "airlift", "blobs.json")
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
	fs.StringVar(&e.through, "through", "", "fetch every image from REGISTRY[/PREFIX], where it is kept under its source's host (what airlift serve ARCHIVE serves, or a --keep-host copy)")
	fs.StringVar(&e.harborDetect, "harbor", "auto", "whether the target registry is a Harbor, whose projects are created as needed: auto (ask it: GET /api/v2.0/systeminfo), on or off")
	fs.BoolVar(&e.harbor.Public, "harbor-public", false, "create Harbor projects public (default: private)")
	fs.BoolVar(&e.harbor.AutoScan, "harbor-auto-scan", false, "create Harbor projects that scan images on push")
	fs.StringVar(&e.harborQuota, "harbor-storage-limit", "", "storage quota of the Harbor projects created, e.g. 50GiB or 500MB (-1: unlimited; default: Harbor's)")
	fs.BoolVar(&e.skipPreflight, "skip-preflight", false, "do not check the target registries first (credentials, push, Harbor projects, ECR repositories): for registries that reject the probes")
	fs.StringVar(&e.blobIndex, "blob-index", defaultBlobIndex(), "remember in FILE where blobs live in target registries, to mount them in later runs instead of sending them again (\"\" = off)")
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
	if e.through != "" {
		if _, err := reference.ParseDestination(e.through, reference.KeepHost); err != nil {
			return &UsageError{Err: fmt.Errorf("--through: %w", err)}
		}
	}
	switch e.harborDetect {
	case "auto":
		e.harbor.Detect = registry.HarborAuto
	case "on":
		e.harbor.Detect = registry.HarborOn
	case "off":
		e.harbor.Detect = registry.HarborOff
	default:
		return usageErrorf("--harbor %q: want auto, on or off", e.harborDetect)
	}
	if e.harborQuota != "" {
		n, err := parseSize(e.harborQuota)
		if err != nil {
			return usageErrorf("--harbor-storage-limit: %v", err)
		}
		e.harbor.StorageLimit = n
	}
	return nil
}

// parseSize reads a size in bytes: a number with an optional unit (B, K
// or KB, M or MB, G or GB, T or TB in powers of 1000; Ki, Mi, Gi, Ti, with
// or without B, in powers of 1024), or -1.
func parseSize(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
		{"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"B", 1},
	}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not a size (e.g. 50GiB, 500MB, 1073741824, or -1 for unlimited)", s)
	}
	return n * mult, nil
}

// adjust adds the engine's registry settings: the commit timeout and how
// ECR repositories and Harbor projects are created.
func (e *engineFlags) adjust(o *registry.Options) {
	o.CommitTimeout = e.commitTimeout
	o.ECR = e.ecr
	o.Harbor = e.harbor
}

// apply sets the engine flags on req.
func (e *engineFlags) apply(req *copyjob.Request, g *globals) {
	req.Engine = mirror.Options{Jobs: e.jobs, Platforms: e.platforms, SkipReferrers: e.skipReferrers, RecheckReferrers: e.recheck, Logger: g.logger()}
	req.Through = e.through
	req.SkipPreflight = e.skipPreflight
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

Before anything is read, a pre-flight checks every target registry: the
credentials are accepted, a push is allowed (an upload started and
cancelled), and the namespaces the targets need exist or are created: ECR
repositories (*.dkr.ecr.REGION.amazonaws.com), with ECR credentials from the
AWS SDK's default chain when docker has none, and Harbor projects (the first
path element under the registry; --harbor-public, --harbor-auto-scan,
--harbor-storage-limit), with the registry's own credentials. Every problem
is one line; nothing is copied. --skip-preflight leaves it out.`,
		Example: `  airlift copy ./mychart -f prod.yaml --to registry.internal:5000/mirror --dry-run
  airlift copy ./mychart --to 123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror --lock images.lock
  airlift copy --images images.txt --to registry.internal:5000 --platform linux/amd64
  airlift copy ./mychart --to harbor.internal/mirror --harbor-auto-scan   # creates project "mirror"
  airlift copy quay.io/prometheus/prometheus:v3.14.0 --to localhost:5000
  airlift copy --images all.txt --to registry.internal --shard 2/4   # pod 2 of 4`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.output != "text" && f.output != "json" {
				return usageErrorf("unknown output format %q: use text or json", f.output)
			}
			if f.lock != "" && !f.dryRun {
				if err := atomicfile.Check(f.lock); err != nil {
					return fmt.Errorf("--lock: %w", err) // before any work
				}
			}
			req, err := f.request(cmd.Context(), args, g)
			if err != nil {
				return err
			}
			if f.job.print {
				return f.job.printJob(cmd.Context(), g, cmd, req)
			}
			return runCopy(cmd.Context(), g, req, copyOutput{format: f.output, progress: !f.noProgress && !f.dryRun, lock: f.lock, blobIndex: f.blobIndex})
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
	fs.StringVar(&f.shard, "shard", "", "copy only share i of n of the images (i/n), for n parallel jobs; auto/n in an Indexed Job's pod")
	f.job.register(fs)
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
		shard, err := shardFromJob(f.shard)
		if err != nil {
			return req, err
		}
		if req.Shard, err = copyjob.ParseShard(shard); err != nil {
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
		for _, a := range args {
			if _, err := reference.Parse(a); err != nil {
				return req, &UsageError{Err: fmt.Errorf("IMAGE argument: %w", err)}
			}
		}
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
		if len(refs) == 0 {
			name := f.images
			if name == "-" {
				name = "stdin"
			}
			return req, fmt.Errorf("--images %s lists no images (one reference per line; # starts a comment)", name)
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
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // a byte-order mark some editors write
		}
		s := strings.TrimSpace(text)
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
