package cli

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// destFlags say where images go: --to and the layout. copy, values, check,
// relocate and postrender share them, so that values point the chart
// exactly where copy put the images.
type destFlags struct {
	to       string
	keepHost bool
	flatten  bool
}

func (f *destFlags) registerDest(fs *pflag.FlagSet, what string) {
	fs.StringVar(&f.to, "to", "", "target REGISTRY[/PREFIX] (required)"+what)
	fs.BoolVar(&f.keepHost, "keep-host", false, "keep the source registry as a path part: REGISTRY/PREFIX/quay.io/org/app")
	fs.BoolVar(&f.flatten, "flatten", false, "keep only the last path part: REGISTRY/PREFIX/app")
}

// mapping returns the source -> target mapping the flags describe.
func (f *destFlags) mapping() (reference.Mapping, error) {
	if f.to == "" {
		return reference.Mapping{}, usageErrorf("--to REGISTRY[/PREFIX] is required")
	}
	if f.keepHost && f.flatten {
		return reference.Mapping{}, usageErrorf("--keep-host and --flatten exclude each other")
	}
	layout := reference.KeepPath
	switch {
	case f.keepHost:
		layout = reference.KeepHost
	case f.flatten:
		layout = reference.Flatten
	}
	m, err := reference.ParseDestination(f.to, layout)
	if err != nil {
		return m, &UsageError{Err: fmt.Errorf("--to: %w", err)}
	}
	return m, nil
}
