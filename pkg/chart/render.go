package chart

import (
	"context"
	"fmt"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
)

// Rendered is a rendered chart.
type Rendered struct {
	// Name, Version and AppVersion come from the top chart's Chart.yaml.
	Name, Version, AppVersion string
	// Manifest is the rendered stream as `helm template` prints it: documents
	// separated by "---\n", each preceded by "# Source: <chart>/templates/<file>",
	// hooks after the manifests with the same "# Source:" header.
	Manifest []byte
	// Charts lists the top chart and every subchart enabled after conditions
	// and tags, depth-first, with their Chart.yaml annotations.
	Charts []ChartInfo
	// Values are the final values of the top chart (what .Values is in its
	// templates), coalesced with subchart defaults, as plain map[string]any.
	Values map[string]any
}

// ChartInfo describes one chart of a rendered chart tree.
type ChartInfo struct {
	// Path is the chart's path in the tree, in the form of the "# Source:"
	// prefixes: "k8ssandra", "k8ssandra/charts/cass-operator". An aliased
	// subchart appears under its alias.
	Path string
	// Name is the chart's name from its Chart.yaml (not the alias).
	Name string
	// Version and AppVersion come from the chart's Chart.yaml.
	Version, AppVersion string
	// Annotations are the chart's Chart.yaml annotations (for example
	// "helm.sh/images", "artifacthub.io/images", bitnami's "images").
	Annotations map[string]string
}

// Render locates, loads and renders a chart client-side, as `helm template`
// does: user values merged in Helm's order, dependencies checked (and fetched
// with src.DependencyUpdate), conditions, tags and import-values applied,
// values validated against values.schema.json, the kubeVersion constraint of
// Chart.yaml checked, templates rendered, NOTES.txt and partials dropped,
// hooks split from the manifests and printed after them (test hooks left out
// with opts.SkipTests). CRDs in crds/ are not included, as in `helm template`
// without --include-crds.
//
// Errors are *NotFoundError, *LoadError, *ValuesError, *RenderError or
// *FetchError, or the context's error when ctx ends first.
func Render(ctx context.Context, src Source, vals Values, opts Options) (*Rendered, error) {
	l, err := Load(ctx, src, vals, opts)
	if err != nil {
		return nil, err
	}
	return l.Render(ctx)
}

// prepare checks that the chart is installable and that its dependencies
// are present, fetching missing ones for a local directory when asked.
func prepare(ctx context.Context, loc *located, src Source, s *settings) (*chartv2.Chart, error) {
	ch := loc.chart
	ref := src.Chart
	switch ch.Metadata.Type {
	case "", "application":
	default:
		return nil, &LoadError{Chart: ref, Err: fmt.Errorf("%s charts are not installable", ch.Metadata.Type)}
	}
	if ch.Metadata.Deprecated {
		s.log.Warn("this chart is deprecated", "chart", ch.Name())
	}
	missing := missingDependencies(ch)
	if len(missing) == 0 {
		return ch, nil
	}
	if !src.DependencyUpdate {
		return nil, missingDependencyError(ref, missing, false)
	}
	if loc.dir == "" {
		return nil, &LoadError{Chart: ref, Err: fmt.Errorf(
			"dependencies missing from charts/: %s; only unpacked chart directories can be updated", dependencyNames(missing))}
	}
	if err := fetchDependencies(ctx, loc.dir, missing, s); err != nil {
		return nil, err
	}
	ch, err := loader.Load(loc.dir)
	if err != nil {
		return nil, &LoadError{Chart: ref, Err: fmt.Errorf("reloading after the dependency update: %w", err)}
	}
	if missing := missingDependencies(ch); len(missing) > 0 {
		return nil, missingDependencyError(ref, missing, true)
	}
	return ch, nil
}

// renderChart renders a loaded chart with the user's values.
func renderChart(ctx context.Context, ch *chartv2.Chart, userVals map[string]any, s *settings) (*Rendered, error) {
	name := ch.Name()
	names := chartNames(ch, name, nil)
	if err := chartutil.ProcessDependencies(ch, userVals); err != nil {
		return nil, &LoadError{Chart: name, Err: fmt.Errorf("processing dependencies: %w", err)}
	}

	caps := common.DefaultCapabilities.Copy()
	caps.KubeVersion = *s.kubeVersion
	if len(s.apiVersions) > 0 {
		versions := make(common.VersionSet, 0, len(caps.APIVersions)+len(s.apiVersions))
		caps.APIVersions = append(append(versions, caps.APIVersions...), s.apiVersions...)
	}
	options := common.ReleaseOptions{
		Name:      s.releaseName,
		Namespace: s.namespace,
		Revision:  1,
		IsInstall: !s.isUpgrade,
		IsUpgrade: s.isUpgrade,
	}
	top, err := commonutil.ToRenderValuesWithSchemaValidation(ch, userVals, options, caps, false)
	if err != nil {
		if strings.Contains(err.Error(), "values don't meet the specifications of the schema") {
			return nil, &ValuesError{Source: "values.schema.json", Err: err, kind: valuesFromSchema}
		}
		return nil, &ValuesError{Source: name + "/values.yaml", Err: err, kind: valuesFromFile}
	}

	if kc := ch.Metadata.KubeVersion; kc != "" && !chartutil.IsCompatibleRange(kc, caps.KubeVersion.String()) {
		return nil, &RenderError{Chart: name, Err: fmt.Errorf(
			"chart requires kubeVersion: %s which is incompatible with Kubernetes %s", kc, caps.KubeVersion.Version)}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	var e engine.Engine
	files, err := e.RenderWithContext(ctx, ch, top)
	if err != nil {
		return nil, &RenderError{Chart: name, Err: err}
	}
	assembleFiles := assemble
	if s.unordered {
		assembleFiles = assembleUnordered
	}
	manifest, err := assembleFiles(files, s.skipTests)
	if err != nil {
		return nil, &RenderError{Chart: name, Err: err}
	}

	values, _ := top["Values"].(common.Values)
	return &Rendered{
		Name:       name,
		Version:    ch.Metadata.Version,
		AppVersion: ch.Metadata.AppVersion,
		Manifest:   manifest,
		Charts:     chartTree(ch, names),
		Values:     plainMap(values),
	}, nil
}
