package fromchart

import (
	"context"
	"fmt"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/overrides"
)

// New returns l as an overrides.Chart: its tree of value scopes, its
// values coalesced with the chart defaults, and a render function that
// layers extra values after the user's values files and before their
// --set flags (see chart.Loaded.Render), and the values those flags pin.
// Errors are those of l.Tree, l.Values and l.FlagValues.
func New(l *chart.Loaded) (overrides.Chart, error) {
	tree, err := l.Tree()
	if err != nil {
		return overrides.Chart{}, fmt.Errorf("reading the chart tree of %s: %w", l.Name(), err)
	}
	vals, err := l.Values()
	if err != nil {
		return overrides.Chart{}, fmt.Errorf("reading the values of %s: %w", l.Name(), err)
	}
	pinned, err := l.FlagValues()
	if err != nil {
		return overrides.Chart{}, fmt.Errorf("reading the --set values of %s: %w", l.Name(), err)
	}
	scopes := make([]overrides.Scope, len(tree))
	for i, s := range tree {
		scopes[i] = overrides.Scope{
			Path:     s.Path,
			Name:     s.Name,
			Keys:     s.Keys(),
			Defaults: s.Defaults,
			Enabled:  s.Enabled,
		}
	}
	return overrides.Chart{
		Name:    l.Name(),
		Version: l.Version(),
		Scopes:  scopes,
		Values:  vals,
		Pinned:  pinned,
		Render: func(ctx context.Context, extra map[string]any) ([]byte, error) {
			r, err := l.RenderUnordered(ctx, extra)
			if err != nil {
				return nil, err
			}
			return r.Manifest, nil
		},
	}, nil
}
