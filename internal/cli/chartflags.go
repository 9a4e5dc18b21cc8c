package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/spf13/pflag"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/registry"
)

// chartFlags are the flags that say which chart to render and how, shared
// by every command that starts from a chart. They mirror `helm template`.
// How the chart's repository or registry is reached is the registry
// flags' business (registryFlags); --username, --password, --plain-http
// and --insecure-skip-tls-verify are Helm's names for settings of the
// chart's own host.
type chartFlags struct {
	registryFlags
	src       chart.Source
	vals      chart.Values
	opts      chart.Options
	username  string
	password  string
	plainHTTP bool
	insecure  bool
	// noLogin leaves out --username and --password (a command whose own
	// credentials flags take those names).
	noLogin bool
}

func (f *chartFlags) register(fs *pflag.FlagSet) {
	f.registryFlags.register(fs)
	fs.StringVar(&f.src.RepoURL, "repo", "", "chart repository URL; CHART is then a chart name")
	fs.StringVar(&f.src.Version, "version", "", "chart version or constraint (default: latest stable)")
	if !f.noLogin {
		fs.StringVar(&f.username, "username", "", "username for the chart's repository or registry")
		fs.StringVar(&f.password, "password", "", "password for the chart's repository or registry (prefer AIRLIFT_PASSWORD)")
	}
	fs.BoolVar(&f.insecure, "insecure-skip-tls-verify", false, "do not verify the TLS certificate of the chart's host (--insecure-registry HOST for it)")
	fs.BoolVar(&f.plainHTTP, "plain-http", false, "reach the chart's oci:// registry over plain HTTP (--plain-http-registry HOST for it)")
	fs.BoolVar(&f.src.DependencyUpdate, "dependency-update", false, "fetch dependencies missing from charts/ before rendering")
	fs.StringArrayVarP(&f.vals.Files, "values", "f", nil, "values file or URL, - for stdin (repeatable)")
	fs.StringArrayVar(&f.vals.Set, "set", nil, "set values (key1=val1,key2=val2)")
	fs.StringArrayVar(&f.vals.SetString, "set-string", nil, "set STRING values")
	fs.StringArrayVar(&f.vals.SetFile, "set-file", nil, "set values from files (key=path)")
	fs.StringArrayVar(&f.vals.SetJSON, "set-json", nil, "set JSON values (key=json)")
	fs.StringArrayVar(&f.vals.SetLiteral, "set-literal", nil, "set a literal STRING value")
	fs.StringVar(&f.opts.KubeVersion, "kube-version", chart.DefaultKubeVersion, "Kubernetes version for Capabilities.KubeVersion")
	fs.StringSliceVarP(&f.opts.APIVersions, "api-versions", "a", nil, "Kubernetes API versions for Capabilities.APIVersions")
	fs.StringVar(&f.opts.ReleaseName, "release-name", chart.DefaultReleaseName, "release name")
	fs.StringVarP(&f.opts.Namespace, "namespace", "n", chart.DefaultNamespace, "release namespace")
	fs.BoolVar(&f.opts.SkipTests, "skip-tests", false, "leave out test hooks")
}

// chartHostOptions adds the chart-host flags to the registry options of a
// request for the chart src: a login, plain HTTP, no TLS verification.
// They name the chart's host, so a chart on the file system (or no chart)
// with one of them is a usage error.
func (f *chartFlags) chartHostOptions(src chart.Source, opts *registry.Options) error {
	password := f.password
	if password == "" {
		password = os.Getenv("AIRLIFT_PASSWORD")
	}
	given := f.username != "" || f.password != "" || f.plainHTTP || f.insecure
	if !given {
		return nil
	}
	host := src.Host()
	if host == "" {
		return usageErrorf("--username, --password, --plain-http and --insecure-skip-tls-verify are for the chart's repository or registry, and there is no remote chart here; " +
			"for image registries use the docker config (docker login, --docker-config), --plain-http-registry HOST or --insecure-registry HOST")
	}
	if f.username != "" || password != "" {
		opts.Logins = append(opts.Logins, registry.Login{Host: host, Username: f.username, Password: password})
	}
	if f.plainHTTP {
		opts.PlainHTTP = append(opts.PlainHTTP, host)
	}
	if f.insecure {
		opts.Insecure = append(opts.Insecure, host)
	}
	return nil
}

// source returns the chart source of chartRef.
func (f *chartFlags) source(chartRef string) chart.Source {
	src := f.src
	src.Chart = chartRef
	return src
}

// client returns the one registry client of a command: the registry flags,
// the chart-host flags for src (the zero Source when there is no chart),
// and what adjust adds (the copy engine's settings).
func (f *chartFlags) client(g *globals, src chart.Source, adjust func(*registry.Options)) (*registry.Client, error) {
	opts := f.registryOptions(g)
	if err := f.chartHostOptions(src, &opts); err != nil {
		return nil, err
	}
	if adjust != nil {
		adjust(&opts)
	}
	return registry.New(opts)
}

// request builds the library request for src, fetched through client;
// stdin given as "-f -" is read into a temporary file, removed by the
// returned cleanup.
func (f *chartFlags) request(src chart.Source, client *registry.Client, g *globals) (chart.Request, func(), error) {
	cleanup := func() {}
	vals := f.vals
	vals.Files = append([]string(nil), f.vals.Files...)
	for i, file := range vals.Files {
		if file != "-" {
			continue
		}
		path, err := stdinToFile(g.streams.In)
		if err != nil {
			return chart.Request{}, cleanup, fmt.Errorf("reading values from stdin: %w", err)
		}
		cleanup = func() { os.RemoveAll(filepath.Dir(path)) }
		vals.Files[i] = path
	}
	opts := f.opts
	opts.Logger = g.logger()
	opts.Registry = client
	return chart.Request{Source: src, Values: vals, Options: opts}, cleanup, nil
}

// chartRequest is source, client and request for a command whose only
// registry work is fetching the chart.
func (f *chartFlags) chartRequest(chartRef string, g *globals) (chart.Request, func(), error) {
	src := f.source(chartRef)
	client, err := f.client(g, src, nil)
	if err != nil {
		return chart.Request{}, func() {}, err
	}
	return f.request(src, client, g)
}

func stdinToFile(in io.Reader) (string, error) {
	dir, err := os.MkdirTemp("", "airlift-values-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "stdin.yaml")
	b, err := io.ReadAll(in)
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, b, 0o600)
}

// manyRenders is called by the commands that render a chart several times
// (values, check, relocate, unpack's values): Helm's template engine
// allocates most of what they do, and collecting garbage half as often
// takes a fifth off their time for about a third more memory (stackstate
// 5.1.15: 0.88 s and 100 MB at GOGC=100, 0.71 s and 135 MB at 200). A GOGC
// set by the user wins.
func manyRenders() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
}
