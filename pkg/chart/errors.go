package chart

import (
	"errors"
	"fmt"
	"strings"

	"github.com/airlift-cli/airlift/internal/oneline"
	"github.com/airlift-cli/airlift/internal/redact"
)

// NotFoundError reports a chart that does not exist where it was looked for:
// a local path that does not exist, a chart name missing from a repository
// index, or a version (or constraint) that no published version satisfies.
type NotFoundError struct {
	// Chart is the chart reference as given (path, name or oci:// reference).
	Chart string
	// Version is the requested version or constraint, if any.
	Version string
	// Location is where the chart was looked for (repository or registry
	// URL, without credentials); empty for local paths.
	Location string
	// Err is the underlying cause, if any.
	Err error
}

// Error returns a one-line description, e.g.
// `chart "./nope" not found: no such file or directory`.
func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "chart %q", e.Chart)
	if e.Version != "" {
		fmt.Fprintf(&b, " version %q", e.Version)
	}
	b.WriteString(" not found")
	if e.Location != "" {
		fmt.Fprintf(&b, " in %s", e.Location)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return redact.String(oneline.Flatten(b.String()))
}

// Unwrap returns the underlying cause.
func (e *NotFoundError) Unwrap() error { return e.Err }

// LoadError reports something that was found but is not a usable chart: no
// Chart.yaml, a corrupt archive, an invalid Chart.yaml, a non-application
// chart, or dependencies declared in Chart.yaml but missing from charts/.
type LoadError struct {
	// Chart is the chart reference as given, or the path that was loaded.
	Chart string
	// Err is the underlying cause.
	Err error
}

// Error returns a one-line description naming the chart.
func (e *LoadError) Error() string {
	return redact.String(oneline.Flatten(fmt.Sprintf("loading chart %q: %v", e.Chart, e.Err)))
}

// Unwrap returns the underlying cause.
func (e *LoadError) Unwrap() error { return e.Err }

// valuesSourceKind says how a ValuesError's Source is to be read.
type valuesSourceKind int

const (
	valuesFromFile   valuesSourceKind = iota // Source is a values file path or URL
	valuesFromFlag                           // Source is "--set key=value" etc.
	valuesFromSchema                         // Source is the chart whose schema failed
)

// ValuesError reports values that cannot be used: an unparseable values file,
// a malformed --set style expression, an unreadable --set-file, or values that
// violate a chart's values.schema.json.
type ValuesError struct {
	// Source names where the bad values came from: a values file path or URL,
	// a flag with its expression (`--set a[=1`), or, for schema violations,
	// "values.schema.json".
	Source string
	// Err is the underlying cause (for schema violations Helm's message).
	Err error

	kind valuesSourceKind
}

// Error returns a one-line description naming the file, expression or schema.
func (e *ValuesError) Error() string {
	var s string
	switch e.kind {
	case valuesFromFlag:
		flag, expr, _ := strings.Cut(e.Source, " ")
		s = fmt.Sprintf("invalid %s %q: %v", flag, expr, e.Err)
	case valuesFromSchema:
		s = fmt.Sprintf("values do not match %s: %v", e.Source, e.Err)
	default:
		s = fmt.Sprintf("invalid values file %q: %v", e.Source, e.Err)
	}
	return redact.String(oneline.Flatten(s))
}

// Unwrap returns the underlying cause.
func (e *ValuesError) Unwrap() error { return e.Err }

// RenderError reports a failure to render a loaded chart: template parse or
// execution errors (Helm's "template: name:line:col: ..." text is kept),
// `required` and `fail` messages, rendered output that is not valid YAML,
// a Chart.yaml kubeVersion constraint the target Kubernetes version does not
// satisfy, an invalid Options.KubeVersion or Options.ReleaseName, and panics
// recovered from Helm.
type RenderError struct {
	// Chart is the name of the chart being rendered.
	Chart string
	// Err is the underlying cause.
	Err error
}

// Error returns a one-line description.
func (e *RenderError) Error() string {
	if e.Chart == "" {
		return redact.String(oneline.Flatten(fmt.Sprintf("rendering chart: %v", e.Err)))
	}
	return redact.String(oneline.Flatten(fmt.Sprintf("rendering chart %q: %v", e.Chart, e.Err)))
}

// Unwrap returns the underlying cause.
func (e *RenderError) Unwrap() error { return e.Err }

// FetchError reports a repository, registry or URL that could not be used:
// unreachable hosts, TLS problems, HTTP errors and authentication failures.
type FetchError struct {
	// URL is what was being fetched, without credentials.
	URL string
	// Err is the underlying cause.
	Err error
}

// Error returns a one-line description naming the URL.
func (e *FetchError) Error() string {
	return redact.String(oneline.Flatten(fmt.Sprintf("fetching %s: %v", e.URL, e.Err)))
}

// Unwrap returns the underlying cause.
func (e *FetchError) Unwrap() error { return e.Err }

// redactFields masks credentials (URL userinfo, secret query values) in the
// string fields of the typed errors in err's chain (URLs given with
// credentials end up there).
func redactFields(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch t := e.(type) {
		case *NotFoundError:
			t.Chart, t.Location = redact.String(t.Chart), redact.String(t.Location)
		case *LoadError:
			t.Chart = redact.String(t.Chart)
		case *ValuesError:
			t.Source = redact.String(t.Source)
		case *RenderError:
			t.Chart = redact.String(t.Chart)
		case *FetchError:
			t.URL = redact.String(t.URL)
		}
	}
	return err
}
