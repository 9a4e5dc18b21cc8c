package chart

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
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
	return oneLine(b.String())
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
	return oneLine(fmt.Sprintf("loading chart %q: %v", e.Chart, e.Err))
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
	return oneLine(s)
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
		return oneLine(fmt.Sprintf("rendering chart: %v", e.Err))
	}
	return oneLine(fmt.Sprintf("rendering chart %q: %v", e.Chart, e.Err))
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
	return oneLine(fmt.Sprintf("fetching %s: %v", redactURL(e.URL), e.Err))
}

// Unwrap returns the underlying cause.
func (e *FetchError) Unwrap() error { return e.Err }

// userinfoPattern matches the userinfo part of URLs inside free text.
var userinfoPattern = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s"'?#]+@`)

// redactURL removes userinfo ("user:password@") from every URL in s.
func redactURL(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	return userinfoPattern.ReplaceAllString(s, "$1")
}

// oneLine flattens a possibly multi-line message into one line: lines are
// trimmed, empty ones dropped, and joined with "; " (or a space after a line
// ending in ':'); runs of spaces collapse to one. URLs lose their userinfo.
func oneLine(s string) string {
	s = redactURL(s)
	if !strings.ContainsAny(s, "\r\n\t") && !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	for line := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

// redactFields removes URL userinfo from the string fields of the typed
// errors in err's chain (URLs given with credentials end up there).
func redactFields(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch t := e.(type) {
		case *NotFoundError:
			t.Chart, t.Location = redactURL(t.Chart), redactURL(t.Location)
		case *LoadError:
			t.Chart = redactURL(t.Chart)
		case *ValuesError:
			t.Source = redactURL(t.Source)
		case *RenderError:
			t.Chart = redactURL(t.Chart)
		case *FetchError:
			t.URL = redactURL(t.URL)
		}
	}
	return err
}
