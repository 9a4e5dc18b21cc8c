package chart

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
)

// ChartScope is one chart of a chart tree, enabled or not, with the place of
// its values in the top chart's values.
type ChartScope struct {
	// Path is the chart's path in the tree in the form of the "# Source:"
	// prefixes: "k8ssandra", "k8ssandra/charts/cass-operator". An aliased
	// subchart appears under its alias; a chart aliased twice appears twice.
	Path string
	// Name, Version and AppVersion come from the chart's Chart.yaml (Name is
	// not the alias).
	Name, Version, AppVersion string
	// Scope is where the chart's values live in the top chart's values, as
	// dot-separated keys: "" for the top chart, "cass-operator" (or the
	// alias), "kube-prometheus-stack.grafana" for a subchart of a subchart.
	Scope string
	// Defaults are the chart's own default values (its values.yaml), before
	// its parents' values and import-values are applied. The map is a copy.
	Defaults map[string]any
	// Enabled reports whether the chart is rendered with the user's values:
	// its condition and tags, and those of every parent, allow it.
	Enabled bool
	// Annotations are the chart's Chart.yaml annotations.
	Annotations map[string]string
}

// Keys returns Scope split into keys; nil for the top chart.
func (c ChartScope) Keys() []string {
	if c.Scope == "" {
		return nil
	}
	return strings.Split(c.Scope, ".")
}

// Tree returns the chart and all its subcharts, depth-first with the
// subcharts of a chart in name order (after aliasing), the disabled ones
// included with Enabled false. Errors are *LoadError (values that Helm cannot
// coalesce).
func (l *Loaded) Tree() ([]ChartScope, error) {
	l.coalesce()
	if l.err != nil {
		return nil, l.err
	}
	return slices.Clone(l.tree), nil
}

// Values returns the user's values coalesced with the defaults of the chart
// and its enabled subcharts, import-values applied: what .Values is in the
// top chart's templates when it is rendered with the user's values alone
// (the same as [Rendered].Values, without rendering). The map is a copy.
// Errors are *LoadError.
func (l *Loaded) Values() (map[string]any, error) {
	l.coalesce()
	if l.err != nil {
		return nil, l.err
	}
	return plainMap(l.values), nil
}

// coalesce computes the tree and the coalesced values once.
func (l *Loaded) coalesce() {
	l.once.Do(func() {
		defer guard(l.src, l.s.log, &l.err, func() {})
		vals, err := l.user.merge()
		if err != nil {
			l.err = err
			return
		}
		ch := cloneChart(l.ch)
		if err := chartutil.ProcessDependencies(ch, vals); err != nil {
			l.err = &LoadError{Chart: ch.Name(), Err: fmt.Errorf("processing dependencies: %w", err)}
			return
		}
		coalesced, err := commonutil.CoalesceValues(ch, vals)
		if err != nil {
			l.err = &LoadError{Chart: ch.Name(), Err: fmt.Errorf("coalescing values: %w", err)}
			return
		}
		enabled := map[string]bool{}
		var mark func(c *chartv2.Chart)
		mark = func(c *chartv2.Chart) {
			enabled[c.ChartFullPath()] = true
			for _, sub := range c.Dependencies() {
				mark(sub)
			}
		}
		mark(ch)
		l.values = plainMap(coalesced)
		l.tree = scopeTree(l.ch, l.ch.Name(), "", enabled, nil)
	})
}

// scopeTree lists c (at path, with its values scope) and its
// subcharts as Helm's dependency processing sees them: each dependency of
// Chart.yaml is the first chart in charts/ with its name and a version in
// its range, under its alias when it has one; charts in charts/ that no
// dependency names are included under their own names.
func scopeTree(c *chartv2.Chart, path, scope string, enabled map[string]bool, out []ChartScope) []ChartScope {
	md := c.Metadata
	out = append(out, ChartScope{
		Path:        path,
		Name:        md.Name,
		Version:     md.Version,
		AppVersion:  md.AppVersion,
		Scope:       scope,
		Defaults:    plainMap(c.Values),
		Enabled:     enabled[path],
		Annotations: maps.Clone(md.Annotations),
	})
	type child struct {
		name  string
		chart *chartv2.Chart
	}
	var children []child
	listed := func(sub *chartv2.Chart) bool {
		for _, req := range md.Dependencies {
			if req != nil && sub.Name() == req.Name && chartutil.IsCompatibleRange(req.Version, sub.Metadata.Version) {
				return true
			}
		}
		return false
	}
	for _, sub := range c.Dependencies() {
		if !listed(sub) {
			children = append(children, child{sub.Name(), sub})
		}
	}
	for _, req := range md.Dependencies {
		if req == nil {
			continue
		}
		for _, sub := range c.Dependencies() {
			if sub.Name() == req.Name && chartutil.IsCompatibleRange(req.Version, sub.Metadata.Version) {
				n := req.Name
				if req.Alias != "" {
					n = req.Alias
				}
				children = append(children, child{n, sub})
				break
			}
		}
	}
	slices.SortStableFunc(children, func(a, b child) int { return strings.Compare(a.name, b.name) })
	for _, ch := range children {
		sub := ch.name
		if scope != "" {
			sub = scope + "." + ch.name
		}
		out = scopeTree(ch.chart, path+"/charts/"+ch.name, sub, enabled, out)
	}
	return out
}

// FlagValues returns the values the user's --set style flags set (--set,
// --set-string, --set-json, --set-file, --set-literal), applied to empty
// values. Helm applies them after every values file, so no values file
// (such as the overrides airlift writes) can change them.
func (l *Loaded) FlagValues() (map[string]any, error) {
	return l.user.applyFlags(map[string]any{})
}
