package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/airlift-cli/airlift/pkg/chartspec"
)

// chartFlags are the flags that say which chart to render and how, shared
// by every command that starts from a chart. They mirror `helm template`.
type chartFlags struct {
	src  chartspec.Source
	vals chartspec.Values
	opts chartspec.Options
}

func (f *chartFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.src.RepoURL, "repo", "", "chart repository URL; CHART is then a chart name")
	fs.StringVar(&f.src.Version, "version", "", "chart version or constraint (default: latest stable)")
	fs.StringVar(&f.src.Username, "username", "", "chart repository or registry username")
	fs.StringVar(&f.src.Password, "password", "", "chart repository or registry password (prefer AIRLIFT_PASSWORD)")
	fs.StringVar(&f.src.CAFile, "ca-file", "", "CA bundle for the chart repository or registry")
	fs.StringVar(&f.src.CertFile, "cert-file", "", "client certificate for the chart repository or registry")
	fs.StringVar(&f.src.KeyFile, "key-file", "", "client key for the chart repository or registry")
	fs.BoolVar(&f.src.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false, "skip TLS certificate checks for the chart download")
	fs.BoolVar(&f.src.PlainHTTP, "plain-http", false, "use plain HTTP for an oci:// chart registry")
	fs.BoolVar(&f.src.DependencyUpdate, "dependency-update", false, "fetch dependencies missing from charts/ before rendering")
	fs.StringArrayVarP(&f.vals.Files, "values", "f", nil, "values file or URL, - for stdin (repeatable)")
	fs.StringArrayVar(&f.vals.Set, "set", nil, "set values (key1=val1,key2=val2)")
	fs.StringArrayVar(&f.vals.SetString, "set-string", nil, "set STRING values")
	fs.StringArrayVar(&f.vals.SetFile, "set-file", nil, "set values from files (key=path)")
	fs.StringArrayVar(&f.vals.SetJSON, "set-json", nil, "set JSON values (key=json)")
	fs.StringArrayVar(&f.vals.SetLiteral, "set-literal", nil, "set a literal STRING value")
	fs.StringVar(&f.opts.KubeVersion, "kube-version", chartspec.DefaultKubeVersion, "Kubernetes version for Capabilities.KubeVersion")
	fs.StringSliceVarP(&f.opts.APIVersions, "api-versions", "a", nil, "Kubernetes API versions for Capabilities.APIVersions")
	fs.StringVar(&f.opts.ReleaseName, "release-name", chartspec.DefaultReleaseName, "release name")
	fs.StringVarP(&f.opts.Namespace, "namespace", "n", chartspec.DefaultNamespace, "release namespace")
	fs.BoolVar(&f.opts.SkipTests, "skip-tests", false, "leave out test hooks")
}

// request builds the library request; stdin given as "-f -" is read into a
// temporary file, removed by the returned cleanup.
func (f *chartFlags) request(chartRef string, g *globals) (chartspec.Request, func(), error) {
	src := f.src
	src.Chart = chartRef
	if src.Password == "" {
		src.Password = os.Getenv("AIRLIFT_PASSWORD")
	}
	vals := f.vals
	vals.Files = append([]string(nil), f.vals.Files...)
	cleanup := func() {}
	for i, file := range vals.Files {
		if file != "-" {
			continue
		}
		path, err := stdinToFile(g.streams.In)
		if err != nil {
			return chartspec.Request{}, cleanup, fmt.Errorf("reading values from stdin: %w", err)
		}
		cleanup = func() { os.RemoveAll(filepath.Dir(path)) }
		vals.Files[i] = path
	}
	opts := f.opts
	opts.Logger = g.logger()
	return chartspec.Request{Source: src, Values: vals, Options: opts}, cleanup, nil
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
