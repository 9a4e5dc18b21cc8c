package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/inventory"
)

type printer struct {
	format string
	w      io.Writer
}

func newPrinter(format string, w io.Writer) (*printer, error) {
	switch format {
	case "text", "table", "json", "yaml":
		return &printer{format: format, w: w}, nil
	}
	return nil, usageErrorf("unknown output format %q: use text, table, json or yaml", format)
}

// jsonReport is the documented shape of -o json and -o yaml.
type jsonReport struct {
	Chart    *inventory.ChartInfo `json:"chart,omitempty"`
	Images   []jsonImage          `json:"images"`
	Declared []jsonImage          `json:"declared,omitempty"`
	Warnings []discover.Warning   `json:"warnings,omitempty"`
}

type jsonImage struct {
	Image      string            `json:"image"`
	Registry   string            `json:"registry"`
	Repository string            `json:"repository"`
	Tag        string            `json:"tag,omitempty"`
	Digest     string            `json:"digest,omitempty"`
	Origins    []discover.Origin `json:"origins"`
}

func toJSON(imgs []discover.Image) []jsonImage {
	out := make([]jsonImage, 0, len(imgs))
	for _, img := range imgs {
		out = append(out, jsonImage{
			Image: img.Ref.String(), Registry: img.Ref.Registry, Repository: img.Ref.Repository,
			Tag: img.Ref.Tag, Digest: img.Ref.Digest, Origins: img.Origins,
		})
	}
	return out
}

func (p *printer) print(rep *inventory.Report) error {
	switch p.format {
	case "json", "yaml":
		doc := jsonReport{Chart: rep.Chart, Images: toJSON(rep.Images), Declared: toJSON(rep.Declared), Warnings: rep.Warnings}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		if p.format == "yaml" {
			if b, err = yaml.JSONToYAML(b); err != nil {
				return err
			}
		} else {
			b = append(b, '\n')
		}
		_, err = p.w.Write(b)
		return err
	case "table":
		return p.table(rep)
	}
	for _, img := range rep.Images {
		if _, err := fmt.Fprintln(p.w, img.Ref); err != nil {
			return err
		}
	}
	return nil
}

func (p *printer) table(rep *inventory.Report) error {
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	file := "FILE" // of plain manifests
	if rep.Chart != nil {
		file = "TEMPLATE"
	}
	fmt.Fprintln(tw, "IMAGE\tOBJECT\tFIELD\t"+file)
	row := func(img discover.Image) {
		for i, o := range img.Origins {
			name := img.Ref.String()
			if i > 0 {
				name = ""
			}
			field := o.Path
			if o.Via != "" {
				field += " (" + o.Via + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, dash(o.Object()), dash(field), dash(o.File))
		}
	}
	for _, img := range rep.Images {
		row(img)
	}
	if only := declaredOnly(rep); len(only) > 0 {
		fmt.Fprintln(tw, "\t\t\t")
		fmt.Fprintln(tw, "DECLARED, NOT RENDERED\tOBJECT\tFIELD\tCHART FILE")
		for _, img := range only {
			row(img)
		}
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// declaredOnly returns the declared images that are not rendered.
func declaredOnly(rep *inventory.Report) []discover.Image {
	var out []discover.Image
	for _, d := range rep.Declared {
		if !slices.ContainsFunc(rep.Images, func(i discover.Image) bool { return i.Ref == d.Ref || i.Ref.String() == d.Ref.String() }) {
			out = append(out, d)
		}
	}
	return out
}
