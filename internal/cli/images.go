package cli

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/airlift-cli/airlift/pkg/catalog"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/fromchart"
	"github.com/airlift-cli/airlift/pkg/inventory"
	"github.com/airlift-cli/airlift/pkg/reference"
)

type imagesFlags struct {
	chartFlags
	manifests          []string
	output             string
	why                string
	noOperatorDefaults bool
	explainCatalog     bool
}

func newImagesCmd(g *globals) *cobra.Command {
	f := &imagesFlags{}
	cmd := &cobra.Command{
		Use:   "images CHART | images -m FILE|DIR|-",
		Short: "List every image a chart or a set of manifests will run",
		Long: `List every image a chart will run: containers, init and ephemeral containers
of every kind (hooks included), image fields of custom resources, images in
container args and env, in ConfigMaps, and those cass-operator derives from
its ImageConfig, version maps, template text, and the images the operators
it runs pull by default (compiled into them: see --explain-catalog). Each is
normalised (docker.io/library/busybox:latest) and traced to the object,
field and template it comes from.

CHART is a chart directory, a .tgz, a chart name with --repo, or oci://...
The chart is rendered client-side for Kubernetes ` + "--kube-version" + ` (default
fixed, not Helm's build-time default).`,
		Example: `  airlift images ./mychart -f prod.yaml
  airlift images --repo https://prometheus-community.github.io/helm-charts kube-prometheus-stack --version 88.5.3
  airlift images oci://registry-1.docker.io/bitnamicharts/postgresql -o table
  airlift images ./mychart --why quay.io/thanos/thanos:v0.17.2
  kustomize build overlays/prod | airlift images -m -`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case f.explainCatalog && (len(args) > 0 || len(f.manifests) > 0):
				return usageErrorf("--explain-catalog takes no CHART and no -m")
			case f.explainCatalog:
				return nil
			case len(f.manifests) > 0 && len(args) > 0:
				return usageErrorf("give either CHART or -m FILE, not both")
			case len(f.manifests) == 0 && len(args) != 1:
				return usageErrorf("images needs one CHART, or -m FILE (see airlift images --help)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.explainCatalog {
				_, err := io.WriteString(g.streams.Out, catalog.Default().Explain())
				return err
			}
			p, err := newPrinter(f.output, g.streams.Out)
			if err != nil {
				return err
			}
			if f.why != "" {
				if _, err := reference.Parse(f.why); err != nil {
					return &UsageError{Err: fmt.Errorf("--why: %w", err)}
				}
			}
			rep, err := f.inventory(cmd, args, g)
			if err != nil {
				return err
			}
			if f.noOperatorDefaults {
				rep = rep.WithoutOperatorDefaults()
			}
			for _, w := range rep.Warnings {
				fmt.Fprintf(g.streams.Err, "warning: %s\n", oneLine(w.String()))
			}
			for _, n := range rep.Notes {
				fmt.Fprintf(g.streams.Err, "note: %s\n", oneLine(n.String()))
			}
			if f.why != "" {
				found, err := why(rep, f.why)
				if err != nil {
					return err
				}
				if f.output == "text" {
					return printWhy(g.streams.Out, found)
				}
				return p.print(found)
			}
			if err := p.print(rep); err != nil {
				return err
			}
			if n := len(declaredOnly(rep)); n > 0 && f.output == "text" {
				fmt.Fprintf(g.streams.Err, "note: %d image(s) declared in Chart.yaml annotations are not rendered with these values (-o table lists them)\n", n)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	f.register(fs)
	fs.StringArrayVarP(&f.manifests, "manifest", "m", nil, "read plain manifests from FILE, a directory of them, or - for stdin, instead of a chart (repeatable; read together)")
	fs.StringVarP(&f.output, "output", "o", "text", "output format: text (one image per line), table, json or yaml")
	fs.StringVar(&f.why, "why", "", "print where IMAGE comes from")
	fs.BoolVar(&f.noOperatorDefaults, "no-operator-defaults", false, "leave out the images operators pull by default (compiled into them, written in no manifest)")
	fs.BoolVar(&f.explainCatalog, "explain-catalog", false, "list the operators, versions and default images airlift knows, with the source each was read from")
	return cmd
}

func (f *imagesFlags) inventory(cmd *cobra.Command, args []string, g *globals) (*inventory.Report, error) {
	if len(f.manifests) > 0 {
		inputs := make([]inventory.Input, 0, len(f.manifests))
		for _, name := range f.manifests {
			in, err := readInputs(name, g.streams.In)
			if err != nil {
				return nil, err
			}
			inputs = append(inputs, in...)
		}
		return inventory.FromManifests(inputs...)
	}
	req, cleanup, err := f.chartRequest(args[0], g)
	defer cleanup()
	if err != nil {
		return nil, err
	}
	return fromchart.Inventory(cmd.Context(), req)
}

// readInputs reads "-" (stdin), a file, or every .yaml, .yml and .json
// file under a directory, in lexical order.
func readInputs(name string, stdin io.Reader) ([]inventory.Input, error) {
	if name == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading manifests from stdin: %w", err)
		}
		return []inventory.Input{{Name: "(stdin)", Data: b}}, nil
	}
	info, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("reading manifests: %w", err)
	}
	if !info.IsDir() {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading manifests: %w", err)
		}
		return []inventory.Input{{Name: name, Data: b}}, nil
	}
	var inputs []inventory.Input
	err = filepath.WalkDir(name, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch filepath.Ext(path) {
		case ".yaml", ".yml", ".json":
			if d.Type().IsRegular() {
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				inputs = append(inputs, inventory.Input{Name: path, Data: b})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading manifests: %w", err)
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("reading manifests: no .yaml, .yml or .json file under %s", name)
	}
	return inputs, nil
}

// why narrows the report to the images matching ref. Without a tag or
// digest, every image of that repository matches.
func why(rep *inventory.Report, ref string) (*inventory.Report, error) {
	want := reference.MustParse(ref)
	match := func(img discover.Image) bool {
		return img.Ref.String() == want.String() || want.TagImplied && img.Ref.Name() == want.Name()
	}
	out := &inventory.Report{Chart: rep.Chart}
	for _, img := range rep.Images {
		if match(img) {
			out.Images = append(out.Images, img)
		}
	}
	for _, img := range declaredOnly(rep) {
		if match(img) {
			out.Declared = append(out.Declared, img)
		}
	}
	if len(out.Images)+len(out.Declared) > 0 {
		return out, nil
	}
	for _, other := range rep.Images {
		if other.Ref.Name() == want.Name() {
			return nil, fmt.Errorf("%s is not among the images; did you mean %s?", want, other.Ref)
		}
	}
	return nil, fmt.Errorf("%s is not among the images", want)
}

// printWhy prints where each image of a narrowed report comes from.
func printWhy(w io.Writer, rep *inventory.Report) error {
	for _, img := range rep.Images {
		fmt.Fprintln(w, img.Ref)
		for _, o := range img.Origins {
			fmt.Fprintf(w, "  %s\n", o)
		}
	}
	for _, img := range rep.Declared {
		fmt.Fprintln(w, img.Ref)
		for _, o := range img.Origins {
			fmt.Fprintf(w, "  %s\n", o)
		}
		fmt.Fprintln(w, "  (declared only: not rendered with these values)")
	}
	return nil
}
