package chart

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"

	"github.com/airlift-cli/airlift/pkg/registry"
)

// DefaultKubeVersion is the Kubernetes version charts are rendered for unless
// Options.KubeVersion says otherwise. It is fixed here, never taken from
// Helm's build-time default: Helm derives that from the client-go version it
// was built with, and reports v1.20.0 under `go test`, which would make
// charts with a kubeVersion constraint fail only in tests.
const DefaultKubeVersion = "v1.34.0"

// DefaultReleaseName is the release name used when Options.ReleaseName is
// empty; it is the name `helm template` uses.
const DefaultReleaseName = "release-name"

// DefaultNamespace is the namespace used when Options.Namespace is empty.
const DefaultNamespace = "default"

// Source says where a chart comes from. How the repository or registry is
// reached (credentials, TLS, plain HTTP, retries) is the registry client's
// business: [Options].Registry.
type Source struct {
	// Chart is a local directory, a .tgz path, a chart name (with RepoURL),
	// an oci://host/path/name reference, or an http(s) URL of a .tgz.
	Chart string
	// RepoURL is a chart repository URL (http or https), as --repo; Chart is
	// then the chart name. An oci:// RepoURL is joined with Chart.
	RepoURL string
	// Version is a version or semver constraint, as --version; "" means the
	// latest version, development (pre-release) versions excluded.
	Version string
	// DependencyUpdate fetches dependencies declared in Chart.yaml but missing
	// from charts/ before rendering (local chart directories only), as
	// `helm template --dependency-update`.
	DependencyUpdate bool
}

// Values are the user's values options, applied in Helm's order: values
// files, then --set-json, --set, --set-string, --set-file, --set-literal;
// later options win.
type Values struct {
	// Files are -f/--values files (paths or http(s) URLs). "-" (stdin) is
	// not supported here: the caller resolves it to a file.
	Files []string
	// Set are --set expressions.
	Set []string
	// SetString are --set-string expressions.
	SetString []string
	// SetFile are --set-file expressions (key=path).
	SetFile []string
	// SetJSON are --set-json expressions (key=json, or a JSON object).
	SetJSON []string
	// SetLiteral are --set-literal expressions.
	SetLiteral []string
}

// Options control rendering.
type Options struct {
	// ReleaseName is .Release.Name; "" means DefaultReleaseName. Helm's
	// rules apply (lower-case DNS name, at most 53 characters).
	ReleaseName string
	// Namespace is .Release.Namespace; "" means DefaultNamespace.
	Namespace string
	// KubeVersion is .Capabilities.KubeVersion; "" means DefaultKubeVersion.
	// Accepts "1.30", "v1.30.2" and the like.
	KubeVersion string
	// APIVersions are added to .Capabilities.APIVersions (--api-versions).
	APIVersions []string
	// SkipTests leaves out test hooks (helm.sh/hook: test / test-success).
	SkipTests bool
	// IsUpgrade sets .Release.IsUpgrade (and clears .Release.IsInstall).
	IsUpgrade bool
	// Registry fetches remote charts, dependencies and values files: oci://
	// charts through its registry access, chart repositories and URLs
	// through [registry.Client.Get]. nil means a client with default
	// options (docker credentials, loopback over plain HTTP).
	Registry *registry.Client
	// Logger receives debug logs; nil discards them. The package never prints.
	Logger *slog.Logger
	// CacheDir caches repository indexes and downloaded charts; "" means
	// os.UserCacheDir()/airlift.
	CacheDir string
}

// Request names a chart and how to render it, as one `helm template`
// command line does.
type Request struct {
	Source  Source
	Values  Values
	Options Options
}

// settings are Options with defaults applied and the kube version parsed.
type settings struct {
	releaseName string
	namespace   string
	kubeVersion *common.KubeVersion
	apiVersions []string
	skipTests   bool
	unordered   bool // documents in file order, not sorted or checked (RenderUnordered)
	isUpgrade   bool
	registry    *registry.Client
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
		registry:    o.Registry,
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

// client returns the registry client, making one with default options on
// first use when Options gave none.
func (s *settings) client() (*registry.Client, error) {
	if s.registry != nil {
		return s.registry, nil
	}
	c, err := registry.New(registry.Options{Logger: s.log})
	if err != nil {
		return nil, err
	}
	s.registry = c
	return c, nil
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
