package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/airlift-cli/airlift/internal/atomicfile"
	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/fromchart"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// ErrLeaks is returned when images are rendered elsewhere than the mirror.
var ErrLeaks = errors.New("escape the mirror")

type valuesFlags struct {
	chartFlags
	destFlags
	out        string
	pullSecret string
}

func (f *valuesFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	f.chartFlags.register(fs)
	f.registerDest(fs, ": where airlift copy put the images")
}

// writeValues writes the overrides to -o FILE (stdout without it) and
// reports their check.
func (f *valuesFlags) writeValues(g *globals, o *overrides.Overrides, m reference.Mapping) error {
	if err := writeOutput(f.out, g.streams.Out, o.YAML()); err != nil {
		return err
	}
	return reportCheck(g.streams.Err, o.Check, m.String())
}

func newValuesCmd(g *globals) *cobra.Command {
	f := &valuesFlags{}
	cmd := &cobra.Command{
		Use:   "values CHART --to REGISTRY[/PREFIX] [-o FILE]",
		Short: "Write the values that point the unmodified chart at the mirror, proven by rendering",
		Long: `Write a values file that makes the chart, unmodified, pull every image from
the mirror: one chart-wide knob where the chart honours it (global.imageRegistry,
global.image.registry), and per-image values for the images it does not move,
each keeping its shape; tags and digests unchanged. The values are found by
rendering the chart with markers, and the result is checked by rendering it
again: every image must be where "airlift copy --to" put it. Images that no
value controls are named (airlift postrender can rewrite them), and make the
exit code non-zero.

Give the file to Helm after your own values: -f yours.yaml -f mirror.yaml.`,
		Example: `  airlift values ./mychart -f prod.yaml --to registry.internal:5000/mirror -o mirror.yaml
  airlift values oci://registry-1.docker.io/bitnamicharts/postgresql --to r.internal/m --pull-secret regcred`,
		Args: exactlyOneChart,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := f.mapping()
			if err != nil {
				return err
			}
			req, cleanup, err := f.chartRequest(args[0], g)
			defer cleanup()
			if err != nil {
				return err
			}
			o, _, err := fromchart.Values(cmd.Context(), req, m, overrides.PlanOptions{PullSecret: f.pullSecret})
			if err != nil {
				return err
			}
			return f.writeValues(g, o, m)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVarP(&f.out, "output", "o", "", "write the values to FILE (default: stdout)")
	cmd.Flags().StringVar(&f.pullSecret, "pull-secret", "", "also set the chart's image pull secret keys to this secret")
	return cmd
}

func newCheckCmd(g *globals) *cobra.Command {
	f := &valuesFlags{}
	var overridesFile string
	cmd := &cobra.Command{
		Use:   "check CHART --overrides FILE --to REGISTRY[/PREFIX]",
		Short: "Check that values (written by hand or by airlift values) move every image to the mirror",
		Long: `Render the chart with your values, then with the overrides file on top, and
check that every image is where "airlift copy --to" put it, one to one. Every
image that escapes is named with its object, field and template file, and the
exit code is non-zero. Without --overrides, the last -f file is the overrides.`,
		Args: exactlyOneChart,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := f.mapping()
			if err != nil {
				return err
			}
			if overridesFile == "" {
				n := len(f.vals.Files)
				if n == 0 {
					return usageErrorf("check needs the overrides: --overrides FILE (or the last -f)")
				}
				overridesFile, f.vals.Files = f.vals.Files[n-1], f.vals.Files[:n-1]
			}
			b, err := os.ReadFile(overridesFile)
			if err != nil {
				return fmt.Errorf("reading overrides: %w", err)
			}
			vals, err := overrides.ParseValues(b)
			if err != nil {
				return fmt.Errorf("%s: %w", overridesFile, err)
			}
			req, cleanup, err := f.chartRequest(args[0], g)
			defer cleanup()
			if err != nil {
				return err
			}
			rep, err := fromchart.Check(cmd.Context(), req, vals, m)
			if err != nil {
				return err
			}
			return reportCheck(g.streams.Err, rep, m.String())
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&overridesFile, "overrides", "", "the values file to check (default: the last -f)")
	return cmd
}

func newRelocateCmd(g *globals) *cobra.Command {
	f := &valuesFlags{}
	cp := &engineFlags{}
	cmd := &cobra.Command{
		Use:   "relocate CHART --to REGISTRY[/PREFIX] -o FILE",
		Short: "Copy every image of a chart to the mirror and write the values that use it",
		Long: `airlift copy and airlift values in one command: the overrides are planned
and checked first (so a collision or a leak is known before anything is
copied), then the images the trace found are copied (the same set the
values move), then the values file is written.`,
		Args: exactlyOneChart,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := f.mapping()
			if err != nil {
				return err
			}
			if f.out == "" {
				return usageErrorf("relocate needs -o FILE for the values")
			}
			if err := cp.check(); err != nil {
				return err
			}
			src := f.source(args[0])
			client, err := f.client(g, src, cp.adjust)
			if err != nil {
				return err
			}
			req, cleanup, err := f.request(src, client, g)
			defer cleanup()
			if err != nil {
				return err
			}
			o, t, err := fromchart.Values(cmd.Context(), req, m, overrides.PlanOptions{PullSecret: f.pullSecret})
			if err != nil {
				return err
			}
			// Copy what the trace rendered: no second render, and the
			// same images the values move.
			creq := copyjob.Request{Mapping: m, Registry: client}
			for _, img := range t.Images {
				creq.Images = append(creq.Images, img.Ref.String())
			}
			cp.apply(&creq, g)
			prog := newProgress(g.streams.Err, !cp.noProgress)
			creq.Engine.Events = prog.event
			rep, copyErr := copyjob.Run(cmd.Context(), creq)
			prog.stop()
			if rep != nil {
				if err := printCopy(g.streams.Out, g.streams.Err, "text", rep); err != nil {
					return err
				}
			}
			if copyErr != nil {
				return copyErr
			}
			return f.writeValues(g, o, m)
		},
	}
	f.register(cmd)
	fs := cmd.Flags()
	fs.StringVarP(&f.out, "output", "o", "", "write the values to FILE (required)")
	fs.StringVar(&f.pullSecret, "pull-secret", "", "also set the chart's image pull secret keys to this secret")
	cp.registerEngine(fs)
	return cmd
}

func exactlyOneChart(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageErrorf("give one CHART (a directory, a .tgz, a name with --repo, or oci://...)")
	}
	return nil
}

// writeOutput writes data to path atomically, or to out when path is "" or "-".
func writeOutput(path string, out io.Writer, data []byte) error {
	if path == "" || path == "-" {
		_, err := out.Write(data)
		return err
	}
	return atomicfile.Write(path, data, 0o644)
}

// reportCheck prints the check on stderr and returns ErrLeaks when an image
// escapes the mirror.
func reportCheck(w io.Writer, rep *overrides.Report, dest string) error {
	if rep == nil {
		return nil
	}
	for _, l := range rep.Leaks {
		fmt.Fprintf(w, "leak: %s\n", oneLine(l.String()))
	}
	for _, p := range rep.Missing {
		fmt.Fprintf(w, "missing: %s is not rendered (from %s)\n", p.Target, p.Source)
	}
	if rep.OK() {
		fmt.Fprintf(w, "check: all %d image(s) come from %s\n", len(rep.Moved), dest)
		return nil
	}
	hint := ""
	if len(rep.TemplateOnly()) > 0 {
		hint = fmt.Sprintf("; %d set in templates only: airlift postrender --to %s rewrites them", len(rep.TemplateOnly()), dest)
	}
	return fmt.Errorf("%d image(s) %w (%d moved)%s", len(rep.Leaks)+len(rep.Missing), ErrLeaks, len(rep.Moved), hint)
}
