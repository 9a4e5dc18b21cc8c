package chart

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/Masterminds/semver/v3"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	orasregistry "oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/airlift-cli/airlift/pkg/registry"
)

// Media types of a Helm chart stored in an OCI registry (Helm's
// pkg/registry constants; the legacy layer type is still served by old
// registries).
const (
	helmConfigMediaType      = "application/vnd.cncf.helm.config.v1+json"
	helmChartLayerMediaType  = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	helmLegacyChartMediaType = "application/tar+gzip"
)

// maxManifest bounds the manifest of a chart artifact.
const maxManifest = 4 << 20

// ociScheme prefixes OCI chart references.
const ociScheme = "oci://"

// isOCI reports whether ref is an oci:// reference.
func isOCI(ref string) bool { return strings.HasPrefix(ref, ociScheme) }

// ociRef is a parsed oci:// chart reference.
type ociRef struct {
	registry   string // host[:port]
	repository string // path/name
	tag        string
	digest     string
}

// parseOCIRef parses "oci://host/path/name[:tag][@digest]".
func parseOCIRef(ref string) (ociRef, error) {
	raw := strings.TrimPrefix(ref, ociScheme)
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
// stable version) in the registry and returns the chart archive. The
// registry is reached through the registry client of s, as images are.
func pullOCI(ctx context.Context, chartRef, version string, s *settings) ([]byte, error) {
	ref, err := parseOCIRef(chartRef)
	if err != nil {
		return nil, &LoadError{Chart: chartRef, Err: err}
	}
	location := ociScheme + ref.name()
	client, err := s.client()
	if err != nil {
		return nil, &FetchError{URL: location, Err: err}
	}
	repo, err := client.Repository(ctx, ref.registry, ref.repository)
	if err != nil {
		return nil, &LoadError{Chart: chartRef, Err: err}
	}
	pull := ref.digest
	switch {
	case pull != "":
	case ref.tag != "" && version != "" && ref.tag != version:
		return nil, &LoadError{Chart: chartRef, Err: fmt.Errorf("chart reference and version mismatch: %s is not %s", version, ref.tag)}
	default:
		if version == "" {
			version = ref.tag
		}
		if pull, err = resolveOCITag(ctx, repo, version); err != nil {
			return nil, ociError(err, chartRef, version, location)
		}
	}
	s.log.Debug("pulling chart", "ref", ref.name()+":"+pull)
	data, err := fetchChartLayer(ctx, repo, pull)
	if err != nil {
		return nil, ociError(err, chartRef, version, location)
	}
	return data, nil
}

// resolveOCITag returns the tag to pull: version itself when it is a
// semantic version, otherwise the newest tag satisfying the constraint
// ("" = the newest stable version). Helm stores a version's "+" as "_" in
// tags, which OCI does not allow "+" in.
func resolveOCITag(ctx context.Context, repo *remote.Repository, version string) (string, error) {
	if version != "" {
		if _, err := semver.StrictNewVersion(version); err == nil {
			return strings.ReplaceAll(version, "+", "_"), nil
		}
	}
	var entries []*indexEntry
	err := repo.Tags(ctx, "", func(tags []string) error {
		for _, t := range tags {
			v := strings.ReplaceAll(t, "_", "+")
			if _, err := semver.StrictNewVersion(v); err == nil {
				entries = append(entries, &indexEntry{Version: v, URLs: []string{t}})
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if len(entries) == 0 {
		return "", &NotFoundError{Err: errors.New("the repository has no semantic-version tags")}
	}
	sortNewestFirst(entries)
	idx := &repoIndex{Entries: map[string][]*indexEntry{"": entries}}
	e, err := idx.find("", version)
	if err != nil {
		return "", &NotFoundError{Err: err}
	}
	return e.URLs[0], nil
}

// fetchChartLayer fetches the manifest at reference (a tag or a digest),
// checks that it is a Helm chart, and returns its chart layer, verified
// against its digest.
func fetchChartLayer(ctx context.Context, repo *remote.Repository, reference string) ([]byte, error) {
	desc, rc, err := repo.FetchReference(ctx, reference)
	if err != nil {
		return nil, err
	}
	if desc.Size > maxManifest {
		rc.Close()
		return nil, fmt.Errorf("manifest of %d bytes is too large for a chart", desc.Size)
	}
	raw, err := content.ReadAll(rc, desc)
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the manifest: %w", err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("reading the manifest: %w", err)
	}
	if m.Config.MediaType != helmConfigMediaType {
		what := m.Config.MediaType
		if what == "" {
			what = desc.MediaType
		}
		return nil, &notAChartError{mediaType: what}
	}
	for _, l := range m.Layers {
		if l.MediaType != helmChartLayerMediaType && l.MediaType != helmLegacyChartMediaType {
			continue
		}
		if l.Size > maxDownload {
			return nil, fmt.Errorf("chart layer of %d bytes is too large", l.Size)
		}
		data, err := content.FetchAll(ctx, repo, l)
		if err != nil {
			return nil, fmt.Errorf("fetching the chart layer %s: %w", l.Digest, err)
		}
		return data, nil
	}
	return nil, &notAChartError{mediaType: m.Config.MediaType, noLayer: true}
}

// notAChartError is an artifact that is not a Helm chart.
type notAChartError struct {
	mediaType string
	noLayer   bool
}

func (e *notAChartError) Error() string {
	if e.noLayer {
		return "the artifact has no chart layer"
	}
	return fmt.Sprintf("not a Helm chart (an artifact of type %s)", e.mediaType)
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
	var notChart *notAChartError
	if errors.As(err, &notChart) {
		return &LoadError{Chart: chartRef, Err: err}
	}
	var authErr *registry.AuthError
	if errors.As(err, &authErr) {
		return &FetchError{URL: location, Err: err}
	}
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) && resp.StatusCode == http.StatusNotFound || errors.Is(err, errdef.ErrNotFound) {
		return &NotFoundError{Chart: chartRef, Version: version, Location: location, Err: errors.New("not found")}
	}
	return &FetchError{URL: location, Err: err}
}
