// Package chart locates, loads and renders Helm charts client-side. It is
// the only package of airlift that imports Helm.
//
// # Rendering
//
// [Render] produces the manifest stream `helm template` prints, byte for byte
// (apart from what charts randomise), without a cluster:
//
//   - user values are merged in Helm's order: -f files, then --set-json,
//     --set, --set-string, --set-file, --set-literal ([Values]);
//   - dependencies declared in Chart.yaml must be present in charts/ (only the
//     top chart is checked, as Helm does); [Source].DependencyUpdate fetches
//     the missing ones into a local chart directory first;
//   - conditions, tags and import-values are applied, values are validated
//     against every values.schema.json, and the kubeVersion constraint of
//     Chart.yaml is checked against the target Kubernetes version;
//   - templates are rendered, NOTES.txt and partials dropped, documents sorted
//     in Helm's install order, and hooks (including test hooks unless
//     [Options].SkipTests) appended after the manifests. CRDs in crds/ are not
//     included, as with `helm template` without --include-crds.
//
// Besides the manifest, [Rendered] lists the enabled charts with their
// Chart.yaml annotations (image lists such as "helm.sh/images") and the final
// values of the top chart.
//
// # Rendering many times
//
// [Load] does the first half of Render once: it reads the user's values,
// locates and loads the chart and checks its dependencies. [Loaded.Render]
// then renders it as often as needed with extra values layered over the
// user's, in Helm's order for one more -f file: after the user's values
// files, before their --set flags. Renders work on a shallow copy of the
// loaded chart (Helm's dependency processing rewrites the dependency lists
// and values of the chart it renders) and may run concurrently; loading
// kube-prometheus-stack 88.5.3 takes about 20 ms, each render about 100 ms.
// [Loaded.Tree] lists every chart of the tree, enabled or not, with the
// place of its values in the top chart's values (aliases honoured) and its
// own values.yaml; [Loaded.Values] gives the coalesced values without
// rendering.
//
// # Sources
//
// A [Source] is a local chart directory or .tgz, a chart name in an http(s)
// chart repository (RepoURL, Version as a semver constraint), an
// oci://host/path/name reference (tags resolved like Helm, PlainHTTP, basic
// auth or the credentials of Helm's registry config and Docker's
// config.json), or an http(s) URL of a .tgz. Helm's repositories.yaml is never
// read: repositories are addressed by URL. Repository indexes and chart
// archives are cached in [Options].CacheDir (default os.UserCacheDir()/airlift):
// indexes are revalidated with the server on every use, archives are reused
// by digest.
//
// # Defaults
//
// Charts are rendered for Kubernetes [DefaultKubeVersion] unless
// [Options].KubeVersion says otherwise. The version is fixed on purpose: Helm's
// own default is derived from the client-go version it was built with and is
// v1.20.0 under `go test`, so charts with a kubeVersion constraint (ingress-nginx,
// kube-prometheus-stack, ...) would render in the CLI and fail in tests.
// The release is [DefaultReleaseName] in [DefaultNamespace], as an install
// (not an upgrade), as in `helm template`.
//
// # Errors
//
// Render returns one of five error types, to branch on with errors.As; each
// Error() is one line that names what is wrong and where, never contains a
// password or URL userinfo, and each type unwraps to its cause:
//
//   - [*NotFoundError]: a local path that does not exist, a chart missing
//     from a repository or registry, a version no release satisfies;
//   - [*LoadError]: not a chart (no Chart.yaml), a corrupt archive, a bad
//     Chart.yaml, a library chart, dependencies missing from charts/;
//   - [*ValuesError]: an unreadable or unparseable values file, a malformed
//     --set style expression, values violating values.schema.json;
//   - [*RenderError]: template parse and execution errors (with Helm's
//     file:line:column), `required` and `fail` messages, rendered output that
//     is not YAML, an incompatible kubeVersion, an invalid
//     [Options].KubeVersion or ReleaseName, and panics recovered from Helm;
//   - [*FetchError]: unreachable repositories and registries, HTTP errors,
//     authentication failures, TLS problems.
//
// When ctx ends first, Render returns the context's error.
//
// # Dependencies and side effects
//
// The package uses Helm's lower-level packages (chart loading, values
// coalescing and schema validation, the template engine, manifest sorting,
// the OCI registry client) and deliberately not helm.sh/helm/v4/pkg/action,
// pkg/cli, pkg/getter, pkg/downloader or pkg/repo/v1: those pull in
// k8s.io/cli-runtime, kustomize and the Wasm plugin runtime (pkg/getter
// imports pkg/cli), which costs every airlift command memory at start-up. The
// small parts of them `helm template` needs (repository index lookup, chart
// download, dependency update) are implemented here with Helm's semantics.
//
// Render never prints and never executes the helm CLI or Helm plugins; its
// own logs go to [Options].Logger. Helm itself reports a few warnings (values
// coalescing, unknown hook types) through the process-wide log and log/slog
// default loggers, which the program configures.
package chart
