package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/airlift-cli/airlift/internal/atomicfile"
	"github.com/airlift-cli/airlift/pkg/bundle"
	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/fromchart"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/registry"
)

type packFlags struct {
	chartFlags
	engineFlags
	images   string
	fromLock string
	file     string
	format   string
	split    string
	diff     string
	sync     bool
}

func newPackCmd(g *globals) *cobra.Command {
	f := &packFlags{}
	cmd := &cobra.Command{
		Use:   "pack (CHART | IMAGE... | --images FILE | --from-lock FILE) --output-file ARCHIVE",
		Short: "Pack a chart and every image it runs into one archive to carry across an air gap",
		Long: `Write one archive that any OCI tool can read: an OCI image layout in a tar
(zstd-compressed when ARCHIVE ends in .zst) holding every image with all its
platforms (or --platform), signatures and attestations, the chart as a Helm OCI
artifact with the values files used, and a lock (source -> digest).

The same inputs give the same bytes. The images are looked up first, then
every blob is fetched straight into its place in the archive, which is written
in ARCHIVE.work and gets its name when complete (the space it needs is reserved
first). A pack that was interrupted, run again, keeps what it fetched and
fetches only what is missing. Packing to an ARCHIVE that exists updates it:
its content is kept and only what is new is fetched. --diff OLD leaves out what
the far side has already (the archive it was given before). One pack at a time
writes an ARCHIVE: a second one stops at once, naming the first one's process.

The images come as for copy: a CHART (every flag of "airlift images"),
IMAGE arguments, --images FILE, or --from-lock FILE (images pinned by digest).`,
		Example: `  airlift pack ./mychart -f prod.yaml --output-file site.tar.zst
  airlift pack --images images.txt --output-file images.tar --split 4G
  airlift pack ./mychart --version 2.0.0 --output-file site-2.tar.zst --diff site-1.tar.zst`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.format != "text" && f.format != "json" {
				return usageErrorf("unknown output format %q: use text or json", f.format)
			}
			if f.file == "" {
				return usageErrorf("pack needs --output-file ARCHIVE")
			}
			if err := atomicfile.Check(f.file); err != nil {
				return fmt.Errorf("--output-file: %w", err)
			}
			var split int64
			if f.split != "" {
				n, err := parseSize(f.split)
				if err != nil || n < 1<<20 {
					return usageErrorf("--split %q: want a size of 1 MiB or more, e.g. 4G or 700M", f.split)
				}
				split = n
			}
			if err := f.check(); err != nil {
				return err
			}
			req, err := f.request(cmd.Context(), args, g)
			if err != nil {
				return err
			}
			req.Split, req.Sync = split, f.sync
			out := &copyOutput{format: f.format, progress: !f.noProgress, command: "pack"}
			var packed *bundle.PackReport
			err = runEngine(cmd.Context(), g, mirror.Options{Jobs: f.jobs, Platforms: f.platforms, SkipReferrers: f.skipReferrers, Logger: g.logger()},
				false, out, func(ctx context.Context, engine mirror.Options) (*copyjob.Report, error) {
					req.Engine = engine
					rep, err := bundle.Pack(ctx, req)
					if rep == nil || err != nil && !errors.Is(err, copyjob.ErrFailed) && !errors.Is(err, copyjob.ErrInterrupted) {
						// The archive could not be written (no space, a
						// bad --diff): one line, no summary of images.
						return nil, err
					}
					packed = rep
					if len(rep.Files) > 0 {
						out.archive = &archiveJSON{Files: rep.Files, Size: rep.Size, Blobs: rep.Blobs, LeftOut: rep.LeftOut}
					}
					return rep.Copy, err
				})
			if err != nil {
				return err
			}
			if f.format == "text" && packed != nil {
				left := ""
				if packed.LeftOut > 0 {
					left = fmt.Sprintf(", %d left out (in %s)", packed.LeftOut, f.diff)
				}
				fmt.Fprintf(g.streams.Err, "wrote %s: %s in %d file(s), %d blobs%s\n",
					packed.Files[0], humanBytes(packed.Size), len(packed.Files), packed.Blobs, left)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	f.chartFlags.register(fs)
	f.registerEngine(fs)
	fs.StringVar(&f.images, "images", "", "file with one image reference per line (# comments allowed), - for stdin")
	fs.StringVar(&f.fromLock, "from-lock", "", "pack the images of a lock file (written by copy --lock), pinned by digest")
	fs.StringVar(&f.file, "output-file", "", "the archive to write (.tar, or .tar.zst for zstd)")
	fs.StringVarP(&f.format, "output", "o", "text", "output format: text or json")
	fs.StringVar(&f.split, "split", "", "write the archive in parts of at most SIZE (e.g. 4G, 700M): ARCHIVE.000, ARCHIVE.001, ...")
	fs.StringVar(&f.diff, "diff", "", "leave out what this earlier archive holds (the far side has it)")
	fs.BoolVar(&f.sync, "sync", false, "flush the archive to disk before naming it (default: as tar and cp, the page cache writes it back)")
	_ = fs.MarkHidden("recheck-signatures")
	_ = fs.MarkHidden("blob-index")
	_ = fs.MarkHidden("commit-timeout")
	return cmd
}

// request turns the command line into the pack request.
func (f *packFlags) request(ctx context.Context, args []string, g *globals) (bundle.PackRequest, error) {
	req := bundle.PackRequest{Output: f.file, Diff: f.diff, Through: f.through}
	var src chart.Source
	isChart := len(args) == 1 && (f.src.RepoURL != "" || strings.HasPrefix(args[0], "oci://") || exists(args[0]))
	if isChart {
		src = f.source(args[0])
	} else {
		for _, a := range args {
			if _, err := reference.Parse(a); err != nil {
				return req, &UsageError{Err: fmt.Errorf("IMAGE argument: %w", err)}
			}
		}
		req.Images = append(req.Images, args...)
	}
	client, err := f.client(g, src, f.adjust)
	if err != nil {
		return req, err
	}
	req.Registry = client
	if f.images != "" {
		refs, err := readImageList(f.images, g.streams.In)
		if err != nil {
			return req, err
		}
		req.Images = append(req.Images, refs...)
	}
	if f.fromLock != "" {
		refs, err := readLock(f.fromLock)
		if err != nil {
			return req, err
		}
		req.Images = append(req.Images, refs...)
	}
	if isChart {
		cr, done, err := f.chartFlags.request(src, client, g)
		defer done()
		if err != nil {
			return req, err
		}
		if req.Inventory, req.Chart, err = fromchart.Bundle(ctx, cr); err != nil {
			return req, err
		}
	}
	if req.Inventory == nil && len(req.Images) == 0 {
		return req, usageErrorf("pack needs a CHART, IMAGE arguments, --images FILE or --from-lock FILE")
	}
	return req, nil
}

// readLock returns the images of a lock file, pinned by digest.
func readLock(path string) ([]string, error) {
	l, err := copyjob.ReadLock(path)
	if err != nil {
		return nil, err
	}
	var refs []string
	for _, img := range l.Images {
		r, err := reference.Parse(img.Source)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r.Digest = img.Digest
		refs = append(refs, r.String())
	}
	return refs, nil
}

type unpackFlags struct {
	registryFlags
	destFlags
	engineFlags
	dryRun    bool
	pushChart bool
	file      string
	format    string
}

func newUnpackCmd(g *globals) *cobra.Command {
	f := &unpackFlags{}
	cmd := &cobra.Command{
		Use:   "unpack ARCHIVE --to REGISTRY[/PREFIX] [--output-file VALUES]",
		Short: "Copy the images of an archive into a registry, and write the values for its chart",
		Long: `Copy every image of an archive written by "airlift pack" (or any OCI image
layout in a tar) into a registry, as "airlift copy" would: the same mapping
(REGISTRY/PREFIX/<source path>), concurrency, retries, ECR repository creation
and dry-run. The archive is read in place; every blob is checked against its
digest as it is read, and a tag is pushed only when everything under it is in
place. ARCHIVE may be the first of its parts (ARCHIVE.000).

--push-chart also pushes the chart to REGISTRY/PREFIX/charts/NAME:VERSION, for
helm install oci://... --output-file writes the values that point the chart
the archive carries at the registry, checked by rendering it (offline).`,
		Example: `  airlift unpack site.tar.zst --to registry.internal/mirror --push-chart --output-file mirror.yaml
  airlift unpack site.tar.zst --to registry.internal/mirror --dry-run`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("unpack needs one ARCHIVE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := f.mapping()
			if err != nil {
				return err
			}
			if f.format != "text" && f.format != "json" {
				return usageErrorf("unknown output format %q: use text or json", f.format)
			}
			if f.file != "" {
				if err := atomicfile.Check(f.file); err != nil {
					return fmt.Errorf("--output-file: %w", err)
				}
			}
			if err := f.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			a, err := bundle.Open(ctx, args[0])
			if err != nil {
				return err
			}
			defer a.Close()
			opts := f.registryOptions(g)
			f.adjust(&opts)
			client, err := registry.New(opts)
			if err != nil {
				return err
			}
			req := bundle.UnpackRequest{Archive: a, Mapping: m, PushChart: f.pushChart, DryRun: f.dryRun, Registry: client, SkipPreflight: f.skipPreflight}
			out := &copyOutput{format: f.format, progress: !f.noProgress && !f.dryRun, blobIndex: f.blobIndex, command: "unpack"}
			err = runEngine(ctx, g, mirror.Options{Jobs: f.jobs, Platforms: f.platforms, SkipReferrers: f.skipReferrers, Logger: g.logger()},
				f.dryRun, out, func(ctx context.Context, engine mirror.Options) (*copyjob.Report, error) {
					req.Engine = engine
					return bundle.Unpack(ctx, req)
				})
			if err != nil {
				return err
			}
			return f.values(ctx, g, a, m)
		},
	}
	fs := cmd.Flags()
	f.registryFlags.register(fs)
	f.registerDest(fs, "")
	f.registerEngine(fs)
	fs.BoolVar(&f.dryRun, "dry-run", false, "check every image against the target, print the plan, copy nothing")
	_ = fs.MarkHidden("through") // the archive is the source
	fs.BoolVar(&f.pushChart, "push-chart", false, "also push the chart to REGISTRY/PREFIX/charts/NAME:VERSION")
	fs.StringVar(&f.file, "output-file", "", "write the values that point the archive's chart at the registry to FILE")
	fs.StringVarP(&f.format, "output", "o", "text", "output format of the report: text or json")
	return cmd
}

// values writes the overrides for the archive's chart, rendered offline
// from the archive with the values it carries.
func (f *unpackFlags) values(ctx context.Context, g *globals, a *bundle.Archive, m reference.Mapping) error {
	c, err := bundle.ReadChart(ctx, a)
	if err != nil {
		return err
	}
	switch {
	case c == nil && f.file != "":
		return fmt.Errorf("the archive carries no chart: no values to write")
	case c == nil:
		return nil
	case f.file == "":
		fmt.Fprintf(g.streams.Err, "note: the archive carries chart %s %s: --output-file FILE writes the values that point it at %s\n", c.Name, c.Version, m)
		return nil
	}
	req, cleanup, err := chartRequestOf(c, g)
	defer cleanup()
	if err != nil {
		return err
	}
	manyRenders()
	o, _, err := fromchart.Values(ctx, req, m, overrides.PlanOptions{})
	if err != nil {
		return err
	}
	if err := writeOutput(f.file, g.streams.Out, o.YAML()); err != nil {
		return err
	}
	return reportCheck(g.streams.Err, o.Check, m.String())
}

// chartRequestOf writes an archive's chart and values files to a
// temporary directory and returns the request that renders them as packed.
func chartRequestOf(c *bundle.Chart, g *globals) (chart.Request, func(), error) {
	dir, err := os.MkdirTemp("", "airlift-chart-")
	cleanup := func() { os.RemoveAll(dir) }
	if err != nil {
		return chart.Request{}, cleanup, err
	}
	tgz := filepath.Join(dir, c.Name+"-"+c.Version+".tgz")
	if err := os.WriteFile(tgz, c.Archive, 0o600); err != nil {
		return chart.Request{}, cleanup, err
	}
	r := c.Render
	req := chart.Request{
		Source: chart.Source{Chart: tgz},
		Values: chart.Values{Set: r.Set, SetString: r.SetString, SetJSON: r.SetJSON, SetLiteral: r.SetLiteral},
		Options: chart.Options{ReleaseName: r.ReleaseName, Namespace: r.Namespace, KubeVersion: r.KubeVersion,
			APIVersions: r.APIVersions, SkipTests: r.SkipTests, Logger: g.logger(), CacheDir: filepath.Join(dir, "cache")},
	}
	for i, v := range c.Values {
		p := filepath.Join(dir, fmt.Sprintf("values-%02d.yaml", i))
		if err := os.WriteFile(p, v.Data, 0o600); err != nil {
			return chart.Request{}, cleanup, err
		}
		req.Values.Files = append(req.Values.Files, p)
	}
	return req, cleanup, nil
}

func newInspectCmd(g *globals) *cobra.Command {
	var verify bool
	var format string
	cmd := &cobra.Command{
		Use:   "inspect ARCHIVE",
		Short: "List what an archive holds: images, platforms, sizes, the chart and the lock",
		Long: `List the images of an archive (with their platforms, sizes, signatures and
where they were copied from), the chart and its values, and the lock, without
extracting it. --verify reads every blob and checks it against its digest.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("inspect needs one ARCHIVE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErrorf("unknown output format %q: use text or json", format)
			}
			a, err := bundle.Open(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer a.Close()
			c, err := bundle.Inspect(cmd.Context(), a, verify)
			if err != nil {
				return err
			}
			if format == "json" {
				b, err := json.MarshalIndent(c, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(g.streams.Out, "%s\n", b)
				return err
			}
			return printContents(g.streams.Out, c)
		},
	}
	cmd.Flags().BoolVar(&verify, "verify", false, "read every blob and check it against its digest")
	cmd.Flags().StringVarP(&format, "output", "o", "text", "output format: text or json")
	return cmd
}

func printContents(w io.Writer, c *bundle.Contents) error {
	kind := "tar"
	if c.Compressed {
		kind = "tar, zstd"
	}
	fmt.Fprintf(w, "%s (%s, %d file(s), %s): %d images, %d blobs, %s of content\n",
		c.Files[0], kind, len(c.Files), humanBytes(c.Size), len(c.Images), c.Blobs, humanBytes(c.Bytes))
	if c.Chart != nil {
		fmt.Fprintf(w, "chart %s %s (%s)", c.Chart.Name, c.Chart.Version, c.Chart.Entry)
		if len(c.Values) > 0 {
			fmt.Fprintf(w, ", values: %s", strings.Join(c.Values, ", "))
		}
		fmt.Fprintln(w)
	}
	if c.DiffBase != "" {
		fmt.Fprintf(w, "packed against %s: its blobs are not in this archive (unpack it first)\n", c.DiffBase)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tPLATFORMS\tSIZE\tSIGNATURES\tDIGEST")
	for _, img := range c.Images {
		platforms := strings.Join(img.Platforms, ",")
		if platforms == "" {
			platforms = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", img.Name, platforms, humanBytes(img.Size), img.Referrers, shortDigest(img.Digest))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if c.Verified {
		fmt.Fprintf(w, "verified: every blob matches its digest\n")
	}
	return nil
}
