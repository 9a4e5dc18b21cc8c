package chartspec

import "log/slog"

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

// Source says where a chart comes from.
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
	// Username and Password are basic-auth credentials for the repository or
	// registry. They are never logged or put in errors.
	Username, Password string
	// CAFile, CertFile and KeyFile configure TLS towards the repository or
	// registry (a CA bundle and a client certificate).
	CAFile, CertFile, KeyFile string
	// InsecureSkipTLSVerify skips TLS certificate verification.
	InsecureSkipTLSVerify bool
	// PlainHTTP talks plain HTTP to oci:// registries.
	PlainHTTP bool
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
