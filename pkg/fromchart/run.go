package fromchart

import (
	"context"
	"fmt"

	"github.com/airlift-cli/airlift/pkg/bundle"
	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/inventory"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// Inventory is the one call behind `airlift images CHART`: it renders the
// chart client-side, hooks included, and lists its images with their
// origins, and the images Chart.yaml annotations of the chart and its
// enabled subcharts declare. Errors are those of chart.Render, or a
// *discover.SyntaxError when the chart renders a document that is not
// valid YAML.
func Inventory(ctx context.Context, req chart.Request) (*inventory.Report, error) {
	r, err := chart.Render(ctx, req.Source, req.Values, req.Options)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return inventoryOf(r)
}

// inventoryOf lists the images of a rendered chart and those its
// Chart.yaml annotations declare.
func inventoryOf(r *chart.Rendered) (*inventory.Report, error) {
	s := discover.NewScanner()
	if err := s.Add(r.Manifest, r.Name); err != nil {
		return nil, fmt.Errorf("chart %s %s renders invalid YAML: %w", r.Name, r.Version, err)
	}
	for _, c := range r.Charts {
		s.AddDeclared(c.Path, c.Annotations)
	}
	rep := inventory.FromScanner(s)
	rep.Chart = &inventory.ChartInfo{Name: r.Name, Version: r.Version, AppVersion: r.AppVersion}
	rep.Manifest = r.Manifest
	return rep, nil
}

// Values is the one call behind `airlift values`: it loads the chart once,
// traces which values control which image, plans the overrides that send
// every image where m maps it, and checks them by rendering again. The
// overrides carry that check (Overrides.Check); leaks are not an error.
func Values(ctx context.Context, req chart.Request, m reference.Mapping, opts overrides.PlanOptions) (*overrides.Overrides, *overrides.Traced, error) {
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
func Check(ctx context.Context, req chart.Request, values map[string]any, m reference.Mapping) (*overrides.Report, error) {
	c, err := load(ctx, req)
	if err != nil {
		return nil, err
	}
	return overrides.Check(ctx, c, values, m, nil)
}

func load(ctx context.Context, req chart.Request) (overrides.Chart, error) {
	l, err := chart.Load(ctx, req.Source, req.Values, req.Options)
	if err != nil {
		return overrides.Chart{}, err
	}
	return New(l)
}

// Bundle is the one call behind `airlift pack CHART`: it loads the chart
// once, lists its images as Inventory does, and returns the chart as an
// archive carries it: its .tgz, Chart.yaml, the user's values files and
// how it is rendered. --set-file values are refused: they name files the
// far side does not have.
func Bundle(ctx context.Context, req chart.Request) (*inventory.Report, *bundle.Chart, error) {
	if len(req.Values.SetFile) > 0 {
		return nil, nil, fmt.Errorf("--set-file values cannot be carried in an archive: put them in a values file (-f)")
	}
	l, err := chart.Load(ctx, req.Source, req.Values, req.Options)
	if err != nil {
		return nil, nil, err
	}
	r, err := l.Render(ctx)
	if err != nil {
		return nil, nil, err
	}
	rep, err := inventoryOf(r)
	if err != nil {
		return nil, nil, err
	}
	archive, err := l.Archive()
	if err != nil {
		return nil, nil, err
	}
	meta, err := l.Metadata()
	if err != nil {
		return nil, nil, err
	}
	c := &bundle.Chart{Name: l.Name(), Version: l.Version(), Metadata: meta, Archive: archive, Render: bundle.Render{
		ReleaseName: req.Options.ReleaseName, Namespace: req.Options.Namespace, KubeVersion: req.Options.KubeVersion,
		APIVersions: req.Options.APIVersions, SkipTests: req.Options.SkipTests,
		Set: req.Values.Set, SetString: req.Values.SetString, SetJSON: req.Values.SetJSON, SetLiteral: req.Values.SetLiteral,
	}}
	for _, f := range l.ValuesFiles() {
		c.Values = append(c.Values, bundle.File{Name: f.Name, Data: f.Data})
	}
	return rep, c, nil
}

// PullSecretValues is the one call behind the values `airlift pull-secret`
// writes for a chart: the chart's own pull-secret keys with name added.
func PullSecretValues(ctx context.Context, req chart.Request, name string) (map[string]any, error) {
	c, err := load(ctx, req)
	if err != nil {
		return nil, err
	}
	return overrides.PullSecretValues(c, name), nil
}
