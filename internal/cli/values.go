package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

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
	file       string // --output-file
	format     string // -o
	pullSecret string
}

func (f *valuesFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	f.chartFlags.register(fs)
	f.registerDest(fs, ": where airlift copy put the images")
}

// checkOutput validates -o and --output-file before any work: -o is a
// format on every command, and a file name given to it is named as such.
func (f *valuesFlags) checkOutput(formats ...string) error {
	if !slices.Contains(formats, f.format) {
		if strings.ContainsAny(f.format, "./") {
			return usageErrorf("-o is the output format (%s); write to a file with --output-file %s", strings.Join(formats, " or "), f.format)
		}
		return usageErrorf("unknown output format %q: use %s", f.format, strings.Join(formats, " or "))
	}
	if f.file != "" && f.file != "-" {
		return atomicfile.Check(f.file)
	}
	return nil
}

// writeValues writes the overrides to --output-file (stdout without it),
// as YAML with comments or as JSON, and reports their check.
func (f *valuesFlags) writeValues(g *globals, o *overrides.Overrides, m reference.Mapping) error {
	data := o.YAML()
	if f.format == "json" {
		b, err := json.MarshalIndent(o.Values(), "", "  ")
		if err != nil {
			return err
		}
		data = append(b, '\n')
	}
	if err := writeOutput(f.file, g.streams.Out, data); err != nil {
		return err
	}
	return reportCheck(g.streams.Err, o.Check, m.String())
}

func newValuesCmd(g *globals) *cobra.Command {
	f := &valuesFlags{}
	cmd := &cobra.Command{
		Use:   "values CHART --to REGISTRY[/PREFIX] [--output-file FILE]",
		Short: "Write the values that point the unmodified chart at the mirror, proven by rendering",
		Long: `Write a values file that makes the chart, unmodified, pull every image from
the mirror: the chart-wide knobs the chart honours, found by what they move
whatever their name (global.imageRegistry, global.image.repository,
defaultImageRegistry, global.hub, an operator image configuration's
defaults.registry), and per-image values for the images they do not move,
each keeping its shape; tags and digests unchanged. The values are found by
rendering the chart with markers, and the result is checked by rendering it
again: every image must be where "airlift copy --to" put it. Images that no
value controls are named (airlift postrender can rewrite them), and make the
exit code non-zero.

Give the file to Helm after your own values: -f yours.yaml -f mirror.yaml.`,
		Example: `  airlift values ./mychart -f prod.yaml --to registry.internal:5000/mirror --output-file mirror.yaml
  airlift values ./mychart --to registry.internal:5000/mirror -o json > mirror.json
  airlift values oci://registry-1.docker.io/bitnamicharts/postgresql --to r.internal/m --pull-secret regcred`,
		Args: exactlyOneChart,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := f.mapping()
			if err != nil {
				return err
			}
			if err := f.checkOutput("yaml", "json"); err != nil {
				return err
			}
			req, cleanup, err := f.chartRequest(args[0], g)
			defer cleanup()
			if err != nil {
				return err
			}
			manyRenders()
			o, _, err := fromchart.Values(cmd.Context(), req, m, overrides.PlanOptions{PullSecret: f.pullSecret})
			if err != nil {
				return err
			}
			return f.writeValues(g, o, m)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVarP(&f.format, "output", "o", "yaml", "output format: yaml (with comments) or json")
	cmd.Flags().StringVar(&f.file, "output-file", "", "write the values to FILE, atomically (default: stdout)")
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
			manyRenders()
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
		Use:   "relocate CHART --to REGISTRY[/PREFIX] --output-file FILE",
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
			if f.file == "" || f.file == "-" {
				return usageErrorf("relocate needs --output-file FILE for the values")
			}
			if err := f.checkOutput("text", "json"); err != nil {
				return err
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
			manyRenders()
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
			if err := runCopy(cmd.Context(), g, creq, copyOutput{format: f.format, progress: !cp.noProgress, blobIndex: cp.blobIndex, command: "relocate"}); err != nil {
				return err
			}
			values := *f
			values.format = "yaml"
			return values.writeValues(g, o, m)
		},
	}
	f.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&f.file, "output-file", "", "write the values to FILE, atomically (required)")
	fs.StringVarP(&f.format, "output", "o", "text", "format of the copy report: text or json")
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
	if only := rep.TemplateOnly(); len(only) > 0 {
		defaults := 0
		for _, l := range only {
			if l.OperatorDefault {
				defaults++
			}
		}
		what := fmt.Sprintf("%d set in templates only", len(only))
		switch {
		case defaults == len(only):
			what = fmt.Sprintf("%d pulled by operators by default", defaults)
		case defaults > 0:
			what = fmt.Sprintf("%d set in templates only or pulled by operators by default", len(only))
		}
		hint = fmt.Sprintf("; %s: airlift postrender --to %s rewrites them", what, dest)
	}
	return fmt.Errorf("%d image(s) %w (%d moved)%s", len(rep.Leaks)+len(rep.Missing), ErrLeaks, len(rep.Moved), hint)
}
