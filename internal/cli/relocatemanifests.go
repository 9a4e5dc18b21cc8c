package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/airlift-cli/airlift/internal/atomicfile"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/rewrite"
)

// manifestsFlags are relocate's flags for plain manifests.
type manifestsFlags struct {
	manifests []string
	kustomize string
}

// withManifests lets relocate take plain manifests (-m FILE|DIR|-) instead
// of a chart: rewritten to the mirror, or, with --kustomize DIR, a
// kustomize Component that does it. The chart form is left as it is.
func withManifests(cmd *cobra.Command, g *globals) *cobra.Command {
	f := &manifestsFlags{}
	fs := cmd.Flags()
	fs.StringArrayVarP(&f.manifests, "manifest", "m", nil, "relocate plain manifests from FILE, a directory of them, or - for stdin, instead of a chart (repeatable)")
	fs.StringVar(&f.kustomize, "kustomize", "", "with -m: write a kustomize Component to DIR/kustomization.yaml instead of the manifests")
	cmd.Use += "\n  airlift relocate -m FILE|DIR|- --to REGISTRY[/PREFIX] [--kustomize DIR | --output-file FILE]"
	if fl := fs.Lookup("output-file"); fl != nil {
		fl.Usage += "; with -m, the relocated manifests (default: stdout)"
	}
	cmd.Long += `

With -m, relocate rewrites plain manifests instead (kustomize build output,
operator configs, custom resources) to the mirror, with the mapping copy
uses, and writes them to stdout or --output-file: container images, image
fields and image objects of custom resources (K8ssandraCluster and
CassandraDatacenter at every level), images in args, env and ConfigMaps. A
cass-operator ImageConfig moves by its own registry settings, so that the
server images cass-operator derives later from a serverVersion follow the
mirror; version map entries are rewritten in place; either way the version
mapping keeps working and no image is pinned. It copies nothing: airlift
images -m FILE lists what to copy.

With --kustomize DIR it writes DIR/kustomization.yaml instead: a Component
(kustomize.config.k8s.io/v1alpha1) with an images: list for the container
images of built-in workloads, which kustomize's image transformer moves,
and JSON 6902 patches for the rest. Add it to the kustomization the
manifests were built from (components: [DIR]).`
	cmd.Example = `  kustomize build overlays/prod | airlift relocate -m - --to registry.internal:5000/mirror > relocated.yaml
  kustomize build overlays/prod | airlift relocate -m - --to registry.internal:5000/mirror --kustomize overlays/prod/airlift`
	chartArgs, chartRun := cmd.Args, cmd.RunE
	cmd.Args = func(c *cobra.Command, args []string) error {
		switch {
		case len(f.manifests) > 0 && len(args) > 0:
			return usageErrorf("give either CHART or -m FILE, not both")
		case len(f.manifests) > 0:
			return nil
		case f.kustomize != "":
			return usageErrorf("--kustomize needs -m FILE: the manifests the component relocates")
		}
		return chartArgs(c, args)
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(f.manifests) == 0 {
			return chartRun(c, args)
		}
		return f.run(c, g)
	}
	return cmd
}

func (f *manifestsFlags) run(cmd *cobra.Command, g *globals) error {
	fs := cmd.Flags()
	var d destFlags
	d.to, _ = fs.GetString("to")
	d.keepHost, _ = fs.GetBool("keep-host")
	d.flatten, _ = fs.GetBool("flatten")
	m, err := d.mapping()
	if err != nil {
		return err
	}
	outFile, _ := fs.GetString("output-file")
	if f.kustomize != "" && outFile != "" {
		return usageErrorf("--kustomize and --output-file exclude each other")
	}
	var in bytes.Buffer
	var spans []inputSpan
	for _, name := range f.manifests {
		inputs, err := readInputs(name, g.streams.In)
		if err != nil {
			return err
		}
		for _, i := range inputs {
			if in.Len() > 0 {
				in.WriteString("---\n")
			}
			spans = append(spans, inputSpan{name: i.Name, first: bytes.Count(in.Bytes(), []byte("\n")) + 1})
			in.Write(i.Data)
			if len(i.Data) > 0 && i.Data[len(i.Data)-1] != '\n' {
				in.WriteByte('\n')
			}
		}
	}
	if f.kustomize != "" {
		comp, err := rewrite.Kustomize(in.Bytes(), m)
		if err != nil {
			return placeSyntaxErrors(err, spans)
		}
		data, err := comp.YAML()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(f.kustomize, 0o755); err != nil {
			return fmt.Errorf("writing the kustomize component: %w", err)
		}
		path := filepath.Join(f.kustomize, "kustomization.yaml")
		if err := atomicfile.Write(path, data, 0o644); err != nil {
			return fmt.Errorf("writing the kustomize component: %w", err)
		}
		reportRelocation(g, comp.Changes, m)
		if comp.Note != "" {
			fmt.Fprintf(g.streams.Err, "note: %s\n", comp.Note)
		}
		fmt.Fprintf(g.streams.Err, "kustomize: wrote %s: %d image(s) for the image transformer, %d object(s) patched\n", path, len(comp.Images), len(comp.Patches))
		return nil
	}
	out, changes, err := rewrite.Rewrite(in.Bytes(), m)
	if err != nil {
		return placeSyntaxErrors(err, spans)
	}
	if err := writeOutput(outFile, g.streams.Out, out); err != nil {
		return fmt.Errorf("writing the manifests: %w", err)
	}
	reportRelocation(g, changes, m)
	return nil
}

// reportRelocation prints on stderr what a relocation of manifests left
// alone, how version mappings were kept, and a count.
func reportRelocation(g *globals, changes []rewrite.Change, m reference.Mapping) {
	moved, left, versions := 0, 0, 0
	knobs := map[string]bool{}
	for _, c := range changes {
		switch {
		case c.Skipped != "":
			left++
			fmt.Fprintf(g.streams.Err, "warning: %s\n", oneLine(c.String()))
			continue
		case g.debug:
			fmt.Fprintf(g.streams.Err, "relocate: %s\n", oneLine(c.String()))
		}
		moved++
		if c.VersionMap() {
			versions++
		}
		if c.Knob != "" && !knobs[c.Knob] {
			knobs[c.Knob] = true
			fmt.Fprintf(g.streams.Err, "relocate: cass-operator %s set: the images it names and the server images it derives from serverVersion come from %s; the version mapping keeps working\n", c.Knob, m)
		}
	}
	if versions > 0 {
		fmt.Fprintf(g.streams.Err, "relocate: %d image(s) chosen by version moved with their mapping (ImageConfig settings or version map entries), none pinned\n", versions)
	}
	fmt.Fprintf(g.streams.Err, "relocate: %d image reference(s) moved to %s, %d left alone\n", moved, m, left)
}

// inputSpan is where an input starts in the stream relocate reads: the
// inputs are joined into one.
type inputSpan struct {
	name  string
	first int // line of the joined stream its first line is on
}

// placeSyntaxErrors names the input of each document that is not YAML,
// with its line in that input rather than in the joined stream.
func placeSyntaxErrors(err error, spans []inputSpan) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		var se *discover.SyntaxError
		if !errors.As(e, &se) {
			continue
		}
		for i := len(spans) - 1; i >= 0; i-- {
			if se.Line >= spans[i].first {
				if se.File == "" {
					se.File = spans[i].name
				}
				se.Line -= spans[i].first - 1
				break
			}
		}
	}
	return err
}
