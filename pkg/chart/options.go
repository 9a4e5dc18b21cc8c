package chart

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"helm.sh/helm/v4/pkg/chart/common"

	"github.com/airlift-cli/airlift/pkg/chartspec"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
)

// DefaultKubeVersion is the Kubernetes version charts are rendered for
// unless Options.KubeVersion says otherwise (see chartspec).
const DefaultKubeVersion = chartspec.DefaultKubeVersion

// DefaultReleaseName is the release name used when Options.ReleaseName is
// empty.
const DefaultReleaseName = chartspec.DefaultReleaseName

// DefaultNamespace is the namespace used when Options.Namespace is empty.
const DefaultNamespace = chartspec.DefaultNamespace

// Source says where a chart comes from.
type Source = chartspec.Source

// Values are the user's values options, applied in Helm's order.
type Values = chartspec.Values

// Options control rendering.
type Options = chartspec.Options

// settings are Options with defaults applied and the kube version parsed.
type settings struct {
	releaseName string
	namespace   string
	kubeVersion *common.KubeVersion
	apiVersions []string
	skipTests   bool
	isUpgrade   bool
	log         *slog.Logger
	cacheDir    string
}

// resolve applies the documented defaults to o.
func resolve(o Options) (settings, error) {
	s := settings{
		releaseName: o.ReleaseName,
		namespace:   o.Namespace,
		apiVersions: o.APIVersions,
		skipTests:   o.SkipTests,
		isUpgrade:   o.IsUpgrade,
		log:         o.Logger,
		cacheDir:    o.CacheDir,
	}
	if s.releaseName == "" {
		s.releaseName = DefaultReleaseName
	}
	if err := chartutil.ValidateReleaseName(s.releaseName); err != nil {
		return s, &RenderError{Err: fmt.Errorf("release name %q: %w", s.releaseName, err)}
	}
	if s.namespace == "" {
		s.namespace = DefaultNamespace
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	kv := o.KubeVersion
	if kv == "" {
		kv = DefaultKubeVersion
	}
	parsed, err := common.ParseKubeVersion(kv)
	if err != nil {
		return s, &RenderError{Err: fmt.Errorf("invalid Kubernetes version %q: %w", kv, err)}
	}
	s.kubeVersion = parsed
	return s, nil
}

// cachePath returns the cache directory, creating it and the named
// subdirectory on first use.
func (s *settings) cachePath(sub string) (string, error) {
	if s.cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		s.cacheDir = filepath.Join(base, "airlift")
	}
	dir := filepath.Join(s.cacheDir, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating cache directory: %w", err)
	}
	return dir, nil
}
