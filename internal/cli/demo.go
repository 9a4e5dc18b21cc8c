package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlift-cli/airlift/examples"
	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/pkg/bundle"
	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/fromchart"
	"github.com/airlift-cli/airlift/pkg/inventory"
	"github.com/airlift-cli/airlift/pkg/layout"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/registry"
	"github.com/airlift-cli/airlift/pkg/rewrite"
	"github.com/airlift-cli/airlift/pkg/serve"
)

func newDemoCmd(g *globals) *cobra.Command {
	var keep string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole job offline on the example chart, with embedded registries",
		Long: `Run the whole job, offline, in a few seconds, on the example chart that ships
inside airlift (examples/platform): find its images; pack them (synthetic,
multi-platform, a few kilobytes each, named as the chart names them) into an
archive; serve the archive with the embedded registry; relocate the chart into
a second embedded registry (copy through the served archive, and the values
that point the unmodified chart there); prove it by rendering again and by
finding every image in the registry. Nothing is left running; --keep DIR
keeps the archive, the values file and the registry's storage.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd.Context(), g, keep) },
	}
	cmd.Flags().StringVar(&keep, "keep", "", "keep the archive, the values and the registry storage in DIR")
	return cmd
}

func runDemo(ctx context.Context, g *globals, keep string) error {
	start := time.Now()
	w := g.streams.Out
	dir := keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "airlift-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	chartDir := filepath.Join(dir, "platform")
	if err := writeFS(examples.Platform, "platform", chartDir); err != nil {
		return err
	}
	fmt.Fprintln(w, "airlift demo: the whole job, offline, on the example chart (examples/platform)")
	client, err := registry.New(registry.Options{DockerConfig: filepath.Join(dir, "no-docker-config.json"), Logger: g.logger()})
	if err != nil {
		return err
	}
	creq := chart.Request{Source: chart.Source{Chart: chartDir}, Options: chart.Options{Registry: client, Logger: g.logger(), CacheDir: filepath.Join(dir, "cache")}}

	// 1. What the chart runs.
	inv, err := fromchart.Inventory(ctx, creq)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "1. images   %d images in %s %s (containers, hooks, args, env, ConfigMaps, cass-operator's ImageConfig)\n",
		len(inv.Images), inv.Chart.Name, inv.Chart.Version)

	// 2. The archive that would be carried across: synthetic images under
	// the names the chart gives.
	archive := filepath.Join(dir, "platform.tar")
	size, err := demoArchive(ctx, dir, archive, inv)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "2. pack     %s: %d images, 2 platforms each, %s (synthetic content, real names)\n", filepath.Base(archive), len(inv.Images), humanBytes(size))

	// 3. Served in place, read-only.
	a, err := bundle.Open(ctx, archive)
	if err != nil {
		return err
	}
	defer a.Close()
	served, err := serve.Start(ctx, serve.Options{Addr: "127.0.0.1:0", Archive: a.Layout})
	if err != nil {
		return err
	}
	defer served.Close()
	fmt.Fprintf(w, "3. serve    the archive at %s (embedded registry, read-only, not extracted)\n", served.Addr)

	// 4. Relocate into a second registry: values planned and checked
	// first, then the copy through the served archive.
	target, err := serve.Start(ctx, serve.Options{Addr: "127.0.0.1:0", Dir: filepath.Join(dir, "registry")})
	if err != nil {
		return err
	}
	defer target.Close()
	m, err := reference.ParseDestination(target.Addr+"/mirror", reference.KeepPath)
	if err != nil {
		return err
	}
	o, t, err := fromchart.Values(ctx, creq, m, overrides.PlanOptions{})
	if err != nil {
		return err
	}
	var images []string
	for _, img := range t.Images {
		images = append(images, img.Ref.String())
	}
	rep, err := copyjob.Run(ctx, copyjob.Request{Images: images, Mapping: m, Registry: client, Through: served.Addr, Engine: mirror.Options{Logger: g.logger()}})
	if err != nil {
		if rep != nil {
			for _, r := range rep.Results {
				if r.Err != nil { // the first cause, with the count
					return fmt.Errorf("%w; %s: %s", err, r.Image.Source, failureText(r.Err, g.debug))
				}
			}
		}
		return err
	}
	valuesFile := filepath.Join(dir, "mirror.yaml")
	if err := os.WriteFile(valuesFile, o.YAML(), 0o644); err != nil {
		return err
	}
	sum := rep.Summary()
	knobs := 0
	for _, e := range o.Entries {
		if e.Kind == overrides.KnobEntry {
			knobs++
		}
	}
	fmt.Fprintf(w, "4. relocate %d images copied through %s into %s (embedded registry); %s: %d values, %d chart-wide\n",
		sum.Copied, served.Addr, m, filepath.Base(valuesFile), len(o.Entries), knobs)

	// 5. The proof: the chart rendered again with the values, and the
	// images set in templates only rewritten by the post-renderer, as
	// `helm install -f mirror.yaml --post-renderer airlift-postrender`
	// would; every image is in the mirror with the digest it had.
	vals, err := overrides.ParseValues(o.YAML())
	if err != nil {
		return err
	}
	loaded, err := chart.Load(ctx, creq.Source, creq.Values, creq.Options)
	if err != nil {
		return err
	}
	rendered, err := loaded.Render(ctx, vals)
	if err != nil {
		return err
	}
	manifest, _, err := rewrite.Rewrite(rendered.Manifest, m)
	if err != nil {
		return err
	}
	final, err := discover.Scan(manifest, "")
	if err != nil {
		return err
	}
	digests := map[string]string{}
	for _, r := range rep.Results {
		digests[r.Image.Target.String()] = r.SourceDigest.String()
	}
	var escaped []string
	for _, img := range final.Images {
		want, ok := digests[img.Ref.String()]
		if !ok {
			escaped = append(escaped, img.Ref.String())
			continue
		}
		repo, err := client.Repository(ctx, img.Ref.Registry, img.Ref.Repository)
		if err != nil {
			return err
		}
		if d, err := repo.Resolve(ctx, img.Ref.Tag); err != nil || d.Digest.String() != want {
			escaped = append(escaped, img.Ref.String()+" (not in the mirror)")
		}
	}
	if len(escaped) > 0 {
		return fmt.Errorf("the proof failed: %s", strings.Join(escaped, ", "))
	}
	fmt.Fprintf(w, "5. proof    rendered again: %d images moved by %s, %d set in templates only rewritten by airlift postrender;\n"+
		"            all %d come from %s, each there with the digest it had in the archive\n",
		len(o.Check.Moved), filepath.Base(valuesFile), len(o.Check.TemplateOnly()), len(final.Images), m)
	note := "nothing left running or on disk (--keep DIR keeps the archive, the values and the registry)"
	if keep != "" {
		note = "kept in " + dir + ": " + filepath.Base(archive) + ", " + filepath.Base(valuesFile) + ", registry/"
	}
	fmt.Fprintf(w, "done in %s; %s\n", time.Since(start).Round(10*time.Millisecond), note)
	return nil
}

// demoArchive packs synthetic images under the names of the inventory's
// images into an archive, as `airlift pack` lays one out.
func demoArchive(ctx context.Context, dir, archive string, inv *inventory.Report) (int64, error) {
	work := filepath.Join(dir, "archive.work")
	defer os.RemoveAll(work)
	l, err := layout.OpenDir(ctx, work)
	if err != nil {
		return 0, err
	}
	for i, img := range inv.Images {
		ref := img.Ref
		name := ref.Registry + "/" + ref.Repository
		tag := ref.Tag
		if tag == "" {
			tag = "latest"
		}
		repo := l.Repository(name, func(string) string { return ref.String() })
		if _, err := testimage.PushTo(ctx, repo, testimage.Spec{Repository: ref.Repository, Tag: tag, Layers: 1, LayerSize: 4 << 10, Seed: uint64(i + 1)}); err != nil {
			return 0, fmt.Errorf("making %s: %w", ref, err)
		}
	}
	f, err := os.Create(archive)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if _, err := l.WriteTar(ctx, f, layout.TarOptions{}); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), f.Close()
}

// writeFS writes the tree under root of fsys to dir.
func writeFS(fsys fs.FS, root, dir string) error {
	return fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		target := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
