package chart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"

	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"

	"github.com/airlift-cli/airlift/internal/atomicfile"
	"github.com/airlift-cli/airlift/internal/redact"
)

// missingDependencies returns the dependencies declared in the chart's
// Chart.yaml that have no chart of the same name in charts/, as Helm's
// CheckDependencies does. Like Helm, only the top chart is checked.
func missingDependencies(ch *chartv2.Chart) []*chartv2.Dependency {
	present := make(map[string]bool, len(ch.Dependencies()))
	for _, sub := range ch.Dependencies() {
		present[sub.Name()] = true
	}
	var missing []*chartv2.Dependency
	for _, d := range ch.Metadata.Dependencies {
		if d != nil && !present[d.Name] {
			missing = append(missing, d)
		}
	}
	return missing
}

// dependencyNames lists the names of deps for messages.
func dependencyNames(deps []*chartv2.Dependency) string {
	names := make([]string, len(deps))
	for i, d := range deps {
		names[i] = d.Name
	}
	return strings.Join(names, ", ")
}

// missingDependencyError is the LoadError for dependencies absent from charts/.
func missingDependencyError(ref string, missing []*chartv2.Dependency, updated bool) error {
	if updated {
		return &LoadError{Chart: ref, Err: fmt.Errorf("dependencies still missing from charts/ after the update: %s", dependencyNames(missing))}
	}
	return &LoadError{Chart: ref, Err: fmt.Errorf(
		"dependencies declared in Chart.yaml are missing from charts/: %s (run with --dependency-update to fetch them)",
		dependencyNames(missing))}
}

// fetchDependencies downloads the missing dependencies of the chart in dir
// into dir/charts as <name>-<version>.tgz, resolving each version constraint
// against its repository like `helm dependency update`: http(s) chart
// repositories (through their index), oci:// registries (through their
// tags) and file:// directories (packaged). Dependencies already present are
// left alone and Chart.lock is not written.
func fetchDependencies(ctx context.Context, dir string, missing []*chartv2.Dependency, s *settings) error {
	chartsDir := filepath.Join(dir, "charts")
	if err := os.MkdirAll(chartsDir, 0o755); err != nil {
		return &LoadError{Chart: dir, Err: fmt.Errorf("creating charts/: %w", err)}
	}
	hc, err := newHTTPClient(s)
	if err != nil {
		return &FetchError{URL: "dependency repositories", Err: err}
	}
	for _, dep := range missing {
		if err := ctx.Err(); err != nil {
			return err
		}
		repo := strings.TrimSpace(dep.Repository)
		s.log.Debug("fetching dependency", "name", dep.Name, "version", dep.Version, "repository", redact.String(repo))
		var data []byte
		var err error
		switch {
		case repo == "":
			err = &LoadError{Chart: dir, Err: fmt.Errorf("dependency %q declares no repository and is not in charts/", dep.Name)}
		case strings.HasPrefix(repo, "file://"):
			err = packageLocalDependency(dir, chartsDir, dep)
		case isOCI(repo):
			data, err = pullOCI(ctx, strings.TrimSuffix(repo, "/")+"/"+dep.Name, dep.Version, s)
		case isHTTPURL(repo):
			data, err = fetchFromRepo(ctx, hc, repo, dep, s)
		case strings.HasPrefix(repo, "@") || strings.HasPrefix(repo, "alias:"):
			err = &LoadError{Chart: dir, Err: fmt.Errorf(
				"dependency %q refers to the named repository %q: airlift does not read Helm's repositories.yaml; use the repository URL in Chart.yaml",
				dep.Name, repo)}
		default:
			err = &LoadError{Chart: dir, Err: fmt.Errorf("dependency %q has an unsupported repository %q", dep.Name, redact.String(repo))}
		}
		if err != nil {
			return err
		}
		if data != nil {
			if err := saveDependency(chartsDir, dep, data); err != nil {
				return &LoadError{Chart: dir, Err: err}
			}
		}
	}
	return nil
}

// fetchFromRepo resolves dep in an http(s) chart repository and downloads it.
func fetchFromRepo(ctx context.Context, hc *httpClient, repo string, dep *chartv2.Dependency, s *settings) ([]byte, error) {
	chartURL, digest, err := hc.findInRepo(ctx, repo, dep.Name, dep.Version, s)
	if err != nil {
		return nil, err
	}
	return hc.download(ctx, chartURL, digest, s)
}

// saveDependency checks that data is the chart dep names and writes it to
// charts/<name>-<version>.tgz.
func saveDependency(chartsDir string, dep *chartv2.Dependency, data []byte) error {
	l, err := loadArchive(dep.Name, data)
	if err != nil {
		return fmt.Errorf("dependency %q: %w", dep.Name, err)
	}
	md := l.chart.Metadata
	if md.Name != dep.Name {
		return fmt.Errorf("dependency %q: the downloaded chart is named %q", dep.Name, md.Name)
	}
	return atomicfile.Write(filepath.Join(chartsDir, fmt.Sprintf("%s-%s.tgz", md.Name, md.Version)), data, downloadMode)
}

// packageLocalDependency packages a file:// dependency into charts/, after
// checking that its version satisfies the constraint.
func packageLocalDependency(dir, chartsDir string, dep *chartv2.Dependency) error {
	p := strings.TrimPrefix(strings.TrimSpace(dep.Repository), "file://")
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	ch, err := loader.LoadDir(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &NotFoundError{Chart: dep.Repository, Err: fmt.Errorf("dependency %q: %w", dep.Name, unwrapPathError(err))}
		}
		return &LoadError{Chart: p, Err: fmt.Errorf("dependency %q: %w", dep.Name, err)}
	}
	if dep.Version != "" {
		c, err := semver.NewConstraint(dep.Version)
		if err != nil {
			return &LoadError{Chart: dir, Err: fmt.Errorf("dependency %q has an invalid version constraint %q: %w", dep.Name, dep.Version, err)}
		}
		v, err := semver.NewVersion(ch.Metadata.Version)
		if err != nil || !c.Check(v) {
			return &NotFoundError{Chart: dep.Name, Version: dep.Version, Location: dep.Repository,
				Err: fmt.Errorf("the chart there is version %s", ch.Metadata.Version)}
		}
	}
	if _, err := chartutil.Save(ch, chartsDir); err != nil {
		return &LoadError{Chart: dir, Err: fmt.Errorf("packaging dependency %q: %w", dep.Name, err)}
	}
	return nil
}
