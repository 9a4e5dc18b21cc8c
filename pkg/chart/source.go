package chart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// located is a chart found and loaded from a Source.
type located struct {
	chart *chartv2.Chart
	// archive is the .tgz the chart was loaded from, when it was one.
	archive []byte
	// dir is the absolute path of the chart directory when the chart is a
	// local, unpacked chart (the only kind whose dependencies can be updated).
	dir string
}

// locate finds the chart src points to, fetching it when it is remote, and
// loads it. It does not read Helm's repositories.yaml: remote charts are
// addressed by URL only.
func locate(ctx context.Context, src Source, s *settings) (*located, error) {
	name := strings.TrimSpace(src.Chart)
	if name == "" {
		return nil, &NotFoundError{Chart: src.Chart, Err: errors.New("no chart given")}
	}
	repoURL := strings.TrimSpace(src.RepoURL)
	switch {
	case repoURL != "" && isOCI(repoURL):
		return locateOCI(ctx, src, strings.TrimSuffix(repoURL, "/")+"/"+name, s)
	case repoURL != "":
		if !isHTTPURL(repoURL) {
			return nil, &FetchError{URL: repoURL, Err: errors.New("a chart repository URL must be http://, https:// or oci://")}
		}
		return locateInRepo(ctx, src, repoURL, name, s)
	case isOCI(name):
		return locateOCI(ctx, src, name, s)
	case isHTTPURL(name):
		return locateURL(ctx, src, name, s)
	default:
		return locateLocal(name)
	}
}

// locateLocal loads a chart directory or archive from the file system.
func locateLocal(path string) (*located, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			nf := &NotFoundError{Chart: path, Err: unwrapPathError(err)}
			if !filepath.IsAbs(path) && !strings.HasPrefix(path, ".") && strings.Count(path, "/") == 1 {
				// Looks like Helm's "repo/chart": airlift has no named repositories.
				nf.Err = fmt.Errorf("%w (named repositories are not supported: give --repo URL or an oci:// reference)", nf.Err)
			}
			return nil, nf
		}
		return nil, &LoadError{Chart: path, Err: unwrapPathError(err)}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &LoadError{Chart: path, Err: err}
	}
	ch, err := loader.Load(abs)
	if err != nil {
		return nil, &LoadError{Chart: path, Err: err}
	}
	l := &located{chart: ch}
	if fi.IsDir() {
		l.dir = abs
	} else if data, err := os.ReadFile(abs); err == nil {
		l.archive = data
	}
	return l, nil
}

// locateInRepo resolves name and src.Version in the chart repository at
// repoURL and downloads the archive (through the cache).
func locateInRepo(ctx context.Context, src Source, repoURL, name string, s *settings) (*located, error) {
	hc, err := newHTTPClient(s)
	if err != nil {
		return nil, &FetchError{URL: repoURL, Err: err}
	}
	chartURL, digest, err := hc.findInRepo(ctx, repoURL, name, strings.TrimSpace(src.Version), s)
	if err != nil {
		return nil, err
	}
	data, err := hc.download(ctx, chartURL, digest, s)
	if err != nil {
		return nil, err
	}
	return loadArchive(name, data)
}

// locateURL downloads a chart archive from an http(s) URL.
func locateURL(ctx context.Context, src Source, chartURL string, s *settings) (*located, error) {
	hc, err := newHTTPClient(s)
	if err != nil {
		return nil, &FetchError{URL: chartURL, Err: err}
	}
	data, err := hc.download(ctx, chartURL, "", s)
	if err != nil {
		return nil, err
	}
	return loadArchive(chartURL, data)
}

// locateOCI pulls a chart from an OCI registry.
func locateOCI(ctx context.Context, src Source, ref string, s *settings) (*located, error) {
	data, err := pullOCI(ctx, ref, strings.TrimSpace(src.Version), s)
	if err != nil {
		return nil, err
	}
	return loadArchive(ref, data)
}

// Host returns the host ("host" or "host:port") the chart of src is
// fetched from: the chart repository's, the registry's, or the URL's; ""
// for a chart on the file system. Credentials for the chart (a
// registry.Login) are given for this host.
func (src Source) Host() string {
	name, repoURL := strings.TrimSpace(src.Chart), strings.TrimSpace(src.RepoURL)
	if repoURL != "" {
		name = repoURL
	}
	switch {
	case isOCI(name):
		host, _, _ := strings.Cut(strings.TrimPrefix(name, ociScheme), "/")
		return strings.ToLower(host)
	case isHTTPURL(name):
		u, err := url.Parse(name)
		if err != nil {
			return ""
		}
		return strings.ToLower(u.Host)
	}
	return ""
}

// loadArchive loads a chart from the bytes of a .tgz.
func loadArchive(ref string, data []byte) (*located, error) {
	ch, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, &LoadError{Chart: ref, Err: err}
	}
	return &located{chart: ch, archive: data}, nil
}

// unwrapPathError drops the "stat <path>:" prefix of a *fs.PathError; the
// path is already in the error that wraps it.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
