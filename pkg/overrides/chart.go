package overrides

import (
	"context"
	"errors"
	"fmt"
)

// RenderFunc renders the chart with the user's values and extra layered
// over them, and returns the manifest stream (`helm template` output, with
// Helm's "# Source:" comments). extra must be applied as Helm applies one
// more -f file given after the user's values files: after the user's files,
// before the user's --set flags. RenderFunc must not modify extra; Trace may
// call it from several goroutines at once.
type RenderFunc func(ctx context.Context, extra map[string]any) ([]byte, error)

// Scope is one chart of a chart tree and the place of its values in the
// top chart's values.
type Scope struct {
	// Path is the chart's path in the tree: "k8ssandra/charts/cass-operator".
	Path string
	// Name is the chart's name from its Chart.yaml.
	Name string
	// Keys are the keys of the chart's values in the top chart's values:
	// nil for the top chart, ["cass-operator"], or the alias of an aliased
	// subchart, ["kube-prometheus-stack", "grafana"] two levels down.
	Keys []string
	// Defaults are the chart's own values.yaml.
	Defaults map[string]any
	// Enabled reports whether the chart is rendered with the user's values.
	Enabled bool
}

// Chart is what this package needs of a chart: its tree, its values and a
// way to render it with extra values. Package fromchart builds one from a
// loaded Helm chart.
type Chart struct {
	// Name and Version name the chart in the output.
	Name, Version string
	// Scopes lists the top chart first, then every subchart.
	Scopes []Scope
	// Values are the user's values coalesced with the defaults of the
	// enabled charts: what .Values is in the top chart's templates.
	Values map[string]any
	// Pinned are the values the user's --set style flags set. Helm applies
	// them after every values file, so overrides cannot change them: an
	// image they name that must move is reported as pinned by the flag.
	Pinned map[string]any
	// Render renders the chart; see RenderFunc.
	Render RenderFunc
}

// ErrNoRender is returned for a Chart without a Render function.
var ErrNoRender = errors.New("overrides: the chart has no render function")

// Stage names a render of the chart: the one that failed in a RenderError
// or a SyntaxError. Its value is the text the error messages show.
type Stage string

// Stages.
const (
	// StageBaseline is the chart with the user's values alone: when it
	// fails nothing can be traced.
	StageBaseline Stage = "with the user's values"
	// StageOverrides is the chart with the user's values and the planned
	// overrides (the plan's own check, and Check).
	StageOverrides Stage = "with the overrides"
)

// RenderError is a render that failed; Stage says which one.
type RenderError struct {
	Stage Stage
	Err   error
}

func (e *RenderError) Error() string {
	return fmt.Sprintf("rendering the chart (%s): %v", e.Stage, e.Err)
}

func (e *RenderError) Unwrap() error { return e.Err }

// SyntaxError is a rendered manifest that is not valid YAML; Stage says
// which render produced it.
type SyntaxError struct {
	Stage Stage
	Err   error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("the chart renders invalid YAML (%s): %v", e.Stage, e.Err)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// scopes returns the enabled scopes and the keys of every disabled one.
func (c Chart) scopes() (enabled []Scope, disabled []Path) {
	for _, s := range c.Scopes {
		if s.Enabled {
			enabled = append(enabled, s)
		} else if len(s.Keys) > 0 {
			disabled = append(disabled, keysPath(s.Keys))
		}
	}
	return enabled, disabled
}

// keysPath turns scope keys into a Path.
func keysPath(keys []string) Path {
	p := make(Path, len(keys))
	for i, k := range keys {
		p[i] = Key(k)
	}
	return p
}
