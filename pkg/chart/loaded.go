package chart

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"

	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
)

// Loaded is a chart located and loaded once, with the user's values read,
// ready to be rendered many times with extra values. Locating (a download,
// for remote charts), loading the files and reading the values files happen
// in [Load] only; each [Loaded.Render] works on a shallow copy of the loaded
// chart (Helm rewrites the dependency list and the values of the chart it
// renders), so renders do not affect each other and may run concurrently.
type Loaded struct {
	src  Source
	s    settings
	ch   *chartv2.Chart // never rendered itself: see cloneChart
	user *userValues
	// archive is the .tgz the chart came in; nil for a directory.
	archive []byte

	once   sync.Once
	tree   []ChartScope
	values map[string]any
	err    error
}

// Load locates and loads a chart and reads the user's values, as the first
// half of [Render]: values files are read (and --set style flags checked),
// the chart is located (fetched when remote), its dependencies checked (and
// fetched with src.DependencyUpdate), and it is checked to be installable.
//
// Errors are those of Render: *NotFoundError, *LoadError, *ValuesError,
// *RenderError (a bad Options.ReleaseName or KubeVersion) or *FetchError, or
// the context's error when ctx ends first.
func Load(ctx context.Context, src Source, vals Values, opts Options) (loaded *Loaded, err error) {
	defer guard(src, opts.Logger, &err, func() { loaded = nil })
	s, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	user, err := readUserValues(ctx, vals, src, &s)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	loc, err := locate(ctx, src, &s)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch, err := prepare(ctx, loc, src, &s)
	if err != nil {
		return nil, err
	}
	l := &Loaded{src: src, s: s, ch: ch, user: user}
	if ch == loc.chart {
		l.archive = loc.archive // not when dependencies were added to it
	}
	return l, nil
}

// Name returns the top chart's name from its Chart.yaml.
func (l *Loaded) Name() string { return l.ch.Name() }

// ValuesFiles returns the user's values files as they were read, in the
// order given.
func (l *Loaded) ValuesFiles() []ValuesFile { return slices.Clone(l.user.raw) }

// Metadata returns the top chart's Chart.yaml as JSON (the config of a
// Helm OCI artifact).
func (l *Loaded) Metadata() ([]byte, error) { return json.Marshal(l.ch.Metadata) }

// Version returns the top chart's version from its Chart.yaml.
func (l *Loaded) Version() string { return l.ch.Metadata.Version }

// Render renders the chart with the user's values and extra values layered
// over them. The order is Helm's for
//
//	helm template -f user1.yaml -f user2.yaml -f extra1.yaml -f extra2.yaml --set ...
//
// that is: the user's values files, then each extra map in turn (a later
// map wins, maps are merged key by key, lists replaced), then the user's
// --set-json, --set, --set-string, --set-file and --set-literal flags. An
// overrides file given to Helm as the last -f therefore wins over the user's
// values files and loses to the user's --set flags, exactly as here. extra
// is not modified.
//
// Render is safe for concurrent use. Errors are *ValuesError, *LoadError
// and *RenderError as for [Render], or the context's error.
func (l *Loaded) Render(ctx context.Context, extra ...map[string]any) (*Rendered, error) {
	return l.render(ctx, false, extra)
}

// RenderUnordered is Render for callers that read the objects and not
// their order (package overrides renders a chart once per batch of
// sentinel values): the documents come in the order of their template
// files, hooks where their file puts them, and they are not parsed on the
// way (a document that is not YAML is left for the reader to find). It
// saves the YAML parse Helm's install-order sort does, about a fifth of a
// render of a large chart. Test hooks are left out as Render does.
func (l *Loaded) RenderUnordered(ctx context.Context, extra ...map[string]any) (*Rendered, error) {
	return l.render(ctx, true, extra)
}

func (l *Loaded) render(ctx context.Context, unordered bool, extra []map[string]any) (rendered *Rendered, err error) {
	defer guard(l.src, l.s.log, &err, func() { rendered = nil })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	vals, err := l.user.merge(extra...)
	if err != nil {
		return nil, err
	}
	s := l.s
	s.unordered = unordered
	return renderChart(ctx, cloneChart(l.ch), vals, &s)
}

// guard runs deferred at the package's entry points: it turns a panic (Helm
// has panicked on odd charts before) into a *RenderError, and makes sure no
// error carries credentials. clear resets the other results on a panic.
func guard(src Source, log *slog.Logger, err *error, clear func()) {
	if r := recover(); r != nil {
		clear()
		*err = &RenderError{Chart: src.Chart, Err: fmt.Errorf("helm panicked: %v", r)}
		if log != nil {
			log.Debug("recovered panic", "panic", r, "stack", string(debug.Stack()))
		}
	}
	if *err != nil {
		*err = redactFields(*err)
	}
}

// cloneChart copies the parts of a chart tree that Helm's dependency
// processing rewrites (the dependency lists, the Chart.yaml metadata with
// its dependencies, the values, which import-values replaces) so that the
// original can be rendered again. Templates and files are shared: rendering
// only reads them.
func cloneChart(c *chartv2.Chart) *chartv2.Chart {
	out := *c
	md := *c.Metadata
	if c.Metadata.Dependencies != nil {
		md.Dependencies = make([]*chartv2.Dependency, len(c.Metadata.Dependencies))
		for i, d := range c.Metadata.Dependencies {
			if d != nil {
				cp := *d
				md.Dependencies[i] = &cp
			}
		}
	}
	out.Metadata = &md
	subs := make([]*chartv2.Chart, len(c.Dependencies()))
	for i, sub := range c.Dependencies() {
		subs[i] = cloneChart(sub)
	}
	out.SetDependencies(subs...)
	return &out
}
