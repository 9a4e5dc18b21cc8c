package chart

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/internal/atomicfile"
	"github.com/airlift-cli/airlift/internal/redact"
)

// repoIndex is the part of a chart repository's index.yaml that locating a
// chart needs. Entries are sorted newest first, as Helm sorts them.
type repoIndex struct {
	APIVersion string                   `json:"apiVersion"`
	Entries    map[string][]*indexEntry `json:"entries"`
}

// indexEntry is one chart version in an index.
type indexEntry struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	URLs    []string `json:"urls"`
	Digest  string   `json:"digest"`
}

// indexMeta is stored next to a cached index to revalidate it.
type indexMeta struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
}

// downloadMode is the permission of what is written from a download (a
// cached index or chart archive, a dependency in charts/): private to the
// user, whose credentials may have fetched it.
const downloadMode = 0o600

// fetchIndex downloads and parses the index of the repository at repoURL.
// The index is cached in the cache directory and revalidated with
// If-None-Match / If-Modified-Since, so an unchanged index is not downloaded
// again; it is never used without asking the server.
func (c *httpClient) fetchIndex(ctx context.Context, repoURL string, s *settings) (*repoIndex, error) {
	indexURL, err := resolveReferenceURL(repoURL, "index.yaml")
	if err != nil {
		return nil, &FetchError{URL: repoURL, Err: err}
	}
	var cacheFile, metaFile string
	var cached []byte
	header := http.Header{}
	if dir, err := s.cachePath("repository"); err == nil {
		sum := sha256.Sum256([]byte(repoURL))
		key := hex.EncodeToString(sum[:8])
		cacheFile = filepath.Join(dir, key+"-index.yaml")
		metaFile = filepath.Join(dir, key+"-index.json")
		var meta indexMeta
		if raw, err := os.ReadFile(metaFile); err == nil && json.Unmarshal(raw, &meta) == nil {
			if body, err := os.ReadFile(cacheFile); err == nil {
				cached = body
				if meta.ETag != "" {
					header.Set("If-None-Match", meta.ETag)
				}
				if meta.LastModified != "" {
					header.Set("If-Modified-Since", meta.LastModified)
				}
			}
		}
	} else {
		s.log.Debug("repository cache unavailable", "error", err)
	}

	resp, err := c.do(ctx, indexURL, header)
	if err != nil {
		var fe *FetchError
		if errors.As(err, &fe) {
			fe.Err = fmt.Errorf("%w (is %s a chart repository?)", fe.Err, redact.String(repoURL))
		}
		return nil, err
	}
	body := resp.body
	if resp.status == http.StatusNotModified {
		s.log.Debug("repository index not modified", "url", redact.String(indexURL))
		body = cached
	}
	idx, err := parseIndex(body)
	if err != nil {
		return nil, &FetchError{URL: indexURL, Err: fmt.Errorf("invalid repository index: %w", err)}
	}
	if resp.status == http.StatusOK && cacheFile != "" {
		meta, _ := json.Marshal(indexMeta{
			URL:          redact.String(repoURL),
			ETag:         resp.header.Get("ETag"),
			LastModified: resp.header.Get("Last-Modified"),
		})
		if err := atomicfile.Write(cacheFile, body, downloadMode); err == nil {
			_ = atomicfile.Write(metaFile, meta, downloadMode)
		} else {
			s.log.Debug("caching repository index failed", "error", err)
		}
	}
	return idx, nil
}

// parseIndex parses a JSON or YAML index and sorts its entries newest first.
func parseIndex(data []byte) (*repoIndex, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("index is empty")
	}
	idx := &repoIndex{}
	var err error
	if json.Valid(data) {
		err = json.Unmarshal(data, idx)
	} else {
		err = yaml.Unmarshal(data, idx)
	}
	if err != nil {
		return nil, err
	}
	if idx.APIVersion == "" {
		return nil, errors.New("no API version specified")
	}
	for name, versions := range idx.Entries {
		kept := versions[:0]
		for _, v := range versions {
			if v != nil && v.Version != "" {
				kept = append(kept, v)
			}
		}
		sortNewestFirst(kept)
		idx.Entries[name] = kept
	}
	return idx, nil
}

// sortNewestFirst sorts entries by semantic version, newest first; entries
// whose version does not parse go last.
func sortNewestFirst(entries []*indexEntry) {
	parsed := make(map[*indexEntry]*semver.Version, len(entries))
	for _, e := range entries {
		if v, err := semver.NewVersion(e.Version); err == nil {
			parsed[e] = v
		}
	}
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := parsed[entries[i]], parsed[entries[j]]
		switch {
		case a == nil:
			return false
		case b == nil:
			return true
		}
		return a.GreaterThan(b)
	})
}

// find returns the newest entry of chart name that satisfies version, with
// Helm's rules: an exact version string matches first; otherwise version is
// a semver constraint; "" means the newest stable (non-pre-release) version.
func (idx *repoIndex) find(name, version string) (*indexEntry, error) {
	versions, ok := idx.Entries[name]
	if !ok || len(versions) == 0 {
		return nil, errors.New("no chart of that name in the repository index")
	}
	if version != "" {
		for _, v := range versions {
			if v.Version == version {
				return v, nil
			}
		}
	}
	constraint, err := versionConstraint(version)
	if err != nil {
		return nil, err
	}
	for _, v := range versions {
		sv, err := semver.NewVersion(v.Version)
		if err == nil && constraint.Check(sv) {
			return v, nil
		}
	}
	return nil, fmt.Errorf("no version matches (newest is %s)", versions[0].Version)
}

// versionConstraint parses a version constraint; "" means any stable version.
func versionConstraint(version string) (*semver.Constraints, error) {
	if version == "" {
		version = "*"
	}
	c, err := semver.NewConstraint(version)
	if err != nil {
		return nil, fmt.Errorf("invalid version constraint %q: %w", version, err)
	}
	return c, nil
}

// findInRepo resolves chart name at version in the repository at repoURL and
// returns the absolute chart URL and the digest the index records for it.
func (c *httpClient) findInRepo(ctx context.Context, repoURL, name, version string, s *settings) (string, string, error) {
	idx, err := c.fetchIndex(ctx, repoURL, s)
	if err != nil {
		return "", "", err
	}
	entry, err := idx.find(name, version)
	if err != nil {
		return "", "", &NotFoundError{Chart: name, Version: version, Location: redact.String(repoURL), Err: err}
	}
	if len(entry.URLs) == 0 {
		return "", "", &FetchError{URL: repoURL, Err: fmt.Errorf("chart %s %s has no download URLs in the index", name, entry.Version)}
	}
	chartURL, err := resolveReferenceURL(repoURL, entry.URLs[0])
	if err != nil {
		return "", "", &FetchError{URL: repoURL, Err: err}
	}
	s.log.Debug("resolved chart in repository", "chart", name, "constraint", version, "version", entry.Version, "url", redact.String(chartURL))
	return chartURL, entry.Digest, nil
}

// download returns the chart archive at chartURL. Archives are cached by
// content digest: when the index gave a digest and the cache holds a file with
// that digest, nothing is downloaded.
func (c *httpClient) download(ctx context.Context, chartURL, digest string, s *settings) ([]byte, error) {
	dir, cacheErr := s.cachePath("content")
	want := strings.TrimPrefix(strings.ToLower(digest), "sha256:")
	if cacheErr == nil && len(want) == 64 {
		if data, err := os.ReadFile(filepath.Join(dir, want+".tgz")); err == nil {
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) == want {
				s.log.Debug("chart archive found in cache", "digest", want)
				return data, nil
			}
		}
	}
	data, err := c.get(ctx, chartURL)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if want != "" && got != want {
		s.log.Warn("chart archive digest differs from the repository index", "url", redact.String(chartURL), "index", want, "archive", got)
	}
	if cacheErr == nil {
		if err := atomicfile.Write(filepath.Join(dir, got+".tgz"), data, downloadMode); err != nil {
			s.log.Debug("caching chart archive failed", "error", err)
		}
	}
	return data, nil
}

// resolveReferenceURL resolves refURL against baseURL the way Helm does: the
// base is treated as a directory, and its query string is kept.
func resolveReferenceURL(baseURL, refURL string) (string, error) {
	ref, err := url.Parse(refURL)
	if err != nil {
		return "", fmt.Errorf("invalid URL %q: %w", redact.String(refURL), err)
	}
	if ref.IsAbs() {
		return refURL, nil
	}
	base, err := url.Parse(baseURL)
	if err != nil {
		return "", fmt.Errorf("invalid repository URL %q: %w", redact.String(baseURL), err)
	}
	base.RawPath = strings.TrimSuffix(base.RawPath, "/") + "/"
	base.Path = strings.TrimSuffix(base.Path, "/") + "/"
	resolved := base.ResolveReference(ref)
	resolved.RawQuery = base.RawQuery
	return resolved.String(), nil
}
