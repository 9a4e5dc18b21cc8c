package fromchart

import (
	"context"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// Request names a chart as `helm template` does.
type Request struct {
	Source  chart.Source
	Values  chart.Values
	Options chart.Options
}

// Values is the one call behind `airlift values`: it loads the chart once,
// traces which values control which image, plans the overrides that send
// every image where m maps it, and checks them by rendering again. The
// overrides carry that check (Overrides.Check); leaks are not an error.
func Values(ctx context.Context, req Request, m reference.Mapping, opts overrides.PlanOptions) (*overrides.Overrides, *overrides.Traced, error) {
	c, err := load(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	t, err := overrides.Trace(ctx, c, overrides.TraceOptions{})
	if err != nil {
		return nil, nil, err
	}
	o, err := overrides.Plan(ctx, c, t, m, opts)
	if err != nil {
		return nil, t, err
	}
	return o, t, nil
}

// Check is the one call behind `airlift check`: it renders the chart with
// the user's values, then with values layered over them, and reports every
// image that is not where m maps the original.
func Check(ctx context.Context, req Request, values map[string]any, m reference.Mapping) (*overrides.Report, error) {
	c, err := load(ctx, req)
	if err != nil {
		return nil, err
	}
	return overrides.Check(ctx, c, values, m, nil)
}

func load(ctx context.Context, req Request) (overrides.Chart, error) {
	l, err := chart.Load(ctx, req.Source, req.Values, req.Options)
	if err != nil {
		return overrides.Chart{}, err
	}
	return New(l)
}
