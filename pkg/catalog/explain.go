package catalog

import (
	"fmt"
	"sort"
	"strings"
)

// Explain describes what the catalog covers, for people: per operator, its
// repositories and resource groups, then per release its versions, the
// file it was read from, and each default image with what it is for and
// what replaces it.
func (c *Catalog) Explain() string {
	var b strings.Builder
	b.WriteString("Images operators pull by default ({tag}: the operator image's tag):\n")
	for _, op := range c.Operators {
		fmt.Fprintf(&b, "%s (images %s; resources %s)\n", op.Name, strings.Join(op.Repositories, ", "), strings.Join(op.Groups, ", "))
		for _, r := range op.Releases {
			fmt.Fprintf(&b, "  %s, read from %s\n", r.Versions, r.Source.URL())
			for _, img := range r.Images {
				fmt.Fprintf(&b, "    %s: %s", img.Image, img.Use)
				if len(img.Knobs) > 0 {
					knobs := make([]string, len(img.Knobs))
					for i, k := range img.Knobs {
						knobs[i] = k.String()
					}
					fmt.Fprintf(&b, "; replaced by %s", strings.Join(knobs, " or "))
				}
				if img.Switch != nil && !img.Switch.On {
					fmt.Fprintf(&b, "; only with %s", img.Switch.Flag)
				}
				if img.Cite != "" {
					fmt.Fprintf(&b, " (%s)", img.Source(r).URL())
				}
				b.WriteString("\n")
			}
			if len(r.Servers) > 0 {
				types := make([]string, 0, len(r.Servers))
				for t := range r.Servers {
					types = append(types, t)
				}
				sort.Strings(types)
				for _, t := range types {
					fmt.Fprintf(&b, "    %s:<serverVersion>: %s server image derived for each datacenter\n", r.Servers[t], t)
				}
			}
			if r.Note != "" {
				fmt.Fprintf(&b, "    note: %s\n", r.Note)
			}
		}
	}
	return b.String()
}
