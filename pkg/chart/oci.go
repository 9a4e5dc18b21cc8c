package chart

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Masterminds/semver/v3"
	"oras.land/oras-go/v2/errdef"
	orasregistry "oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote/errcode"
	"oras.land/oras-go/v2/registry/remote/retry"

	"helm.sh/helm/v4/pkg/registry"
)

// newRegistryClient returns a Helm registry client for src: basic auth from
// src when given, otherwise the credentials Helm's registry client finds
// itself (Helm's registry config.json, falling back to Docker's config.json
// and credential helpers); plain HTTP and TLS settings from src.
func newRegistryClient(src Source) (*registry.Client, error) {
	opts := []registry.ClientOption{
		registry.ClientOptEnableCache(true),
		registry.ClientOptWriter(io.Discard),
		registry.ClientOptBasicAuth(src.Username, src.Password),
	}
	if src.PlainHTTP {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	if needsTLSConfig(src) {
		tlsConf, err := tlsConfig(src)
		if err != nil {
			return nil, err
		}
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.TLSClientConfig = tlsConf
		opts = append(opts, registry.ClientOptHTTPClient(&http.Client{Transport: retry.NewTransport(transport)}))
	}
	return registry.NewClient(opts...)
}

// ociRef is a parsed oci:// chart reference.
type ociRef struct {
	registry   string // host[:port]
	repository string // path/name
	tag        string
	digest     string
}

// parseOCIRef parses "oci://host/path/name[:tag][@digest]".
func parseOCIRef(ref string) (ociRef, error) {
	raw := strings.TrimPrefix(ref, registry.OCIScheme+"://")
	var r ociRef
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		r.digest = raw[i+1:]
		raw = raw[:i]
	}
	if i := strings.LastIndex(raw, ":"); i >= 0 && !strings.Contains(raw[i+1:], "/") {
		r.tag = raw[i+1:]
		raw = raw[:i]
	}
	parsed, err := orasregistry.ParseReference(raw)
	if err != nil {
		return r, fmt.Errorf("invalid oci reference %q: %w", ref, err)
	}
	r.registry, r.repository = parsed.Registry, parsed.Repository
	return r, nil
}

// name returns host/path/name without tag or digest.
func (r ociRef) name() string { return r.registry + "/" + r.repository }

// pullOCI resolves version (a tag, a semver constraint, or "" for the newest
// stable version) in the registry and returns the chart archive.
func pullOCI(ctx context.Context, rc *registry.Client, chartRef, version string, s *settings) ([]byte, error) {
	ref, err := parseOCIRef(chartRef)
	if err != nil {
		return nil, &LoadError{Chart: chartRef, Err: err}
	}
	location := registry.OCIScheme + "://" + ref.name()
	pullRef := ""
	switch {
	case ref.digest != "":
		pullRef = ref.name() + "@" + ref.digest
	case ref.tag != "" && version != "" && ref.tag != version:
		return nil, &LoadError{Chart: chartRef, Err: fmt.Errorf("chart reference and version mismatch: %s is not %s", version, ref.tag)}
	default:
		if version == "" {
			version = ref.tag
		}
		tag, err := resolveOCITag(ctx, rc, ref, version)
		if err != nil {
			return nil, ociError(err, chartRef, version, location)
		}
		pullRef = ref.name() + ":" + tag
	}
	s.log.Debug("pulling chart", "ref", pullRef)
	res, err := callWithContext(ctx, func() (*registry.PullResult, error) { return rc.Pull(pullRef) })
	if err != nil {
		return nil, ociError(err, chartRef, version, location)
	}
	if res.Chart == nil || len(res.Chart.Data) == 0 {
		return nil, &LoadError{Chart: chartRef, Err: errors.New("the artifact has no chart layer")}
	}
	return res.Chart.Data, nil
}

// resolveOCITag returns the tag to pull: version itself when it is a
// semantic version, otherwise the newest tag satisfying the constraint.
func resolveOCITag(ctx context.Context, rc *registry.Client, ref ociRef, version string) (string, error) {
	if version != "" {
		if _, err := semver.NewVersion(version); err == nil {
			return version, nil
		}
	}
	tags, err := callWithContext(ctx, func() ([]string, error) { return rc.Tags(ref.name()) })
	if err != nil {
		return "", err
	}
	if len(tags) == 0 {
		return "", &NotFoundError{Err: errors.New("the repository has no semantic-version tags")}
	}
	tag, err := registry.GetTagMatchingVersionOrConstraint(tags, version)
	if err != nil {
		return "", &NotFoundError{Err: fmt.Errorf("no tag matches (newest is %s)", tags[0])}
	}
	return tag, nil
}

// ociError turns a registry error into the package's typed errors.
func ociError(err error, chartRef, version, location string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return &NotFoundError{Chart: chartRef, Version: version, Location: location, Err: nf.Err}
	}
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) {
		switch resp.StatusCode {
		case http.StatusNotFound:
			return &NotFoundError{Chart: chartRef, Version: version, Location: location, Err: errors.New(http.StatusText(resp.StatusCode))}
		case http.StatusUnauthorized, http.StatusForbidden:
			return &FetchError{URL: location, Err: fmt.Errorf("%d %s (check the credentials)", resp.StatusCode, http.StatusText(resp.StatusCode))}
		}
	}
	if errors.Is(err, errdef.ErrNotFound) {
		return &NotFoundError{Chart: chartRef, Version: version, Location: location, Err: err}
	}
	return &FetchError{URL: location, Err: err}
}

// callWithContext runs f, returning early with ctx.Err() when ctx ends first
// (Helm's registry client takes no context; f then finishes in the
// background). A panic in f becomes an error.
func callWithContext[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("helm registry client panicked: %v", r)}
			}
		}()
		v, err := f()
		done <- result{v: v, err: err}
	}()
	select {
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	case r := <-done:
		return r.v, r.err
	}
}
