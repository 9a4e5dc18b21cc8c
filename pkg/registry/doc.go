// Package registry is airlift's access to container registries: credentials,
// transport policy, retries, the namespaces registries that need them want
// created before a push (Amazon ECR repositories, Harbor projects), and the
// pre-flight of a copy's targets. The copy engine (pkg/mirror) works on the
// oras-go repositories that [Client.Repository] returns.
//
// # Credentials
//
// Credentials come from the docker config.json ([Options.DockerConfig], or
// $DOCKER_CONFIG/config.json, or ~/.docker/config.json), credential helpers
// (credsStore, credHelpers) included, through oras-go's credentials package.
// For an ECR host with no docker credential, a token from ECR's
// GetAuthorizationToken is used, through the AWS SDK's default configuration
// chain (environment, shared config and credentials files, SSO, IMDS) with
// the region taken from the host; it is cached until shortly before it
// expires. Token exchanges with registries are cached per Client. A
// credential helper that fails (not installed here) does not stop anonymous
// access: the registry is tried without credentials, and if it refuses, the
// [*AuthError] says why none were sent. Nothing the package logs or returns
// contains a password, token or Authorization header: the userinfo of URLs
// is dropped, and presigned-URL signatures (a blob redirected to storage),
// token and password parameters and Authorization values are masked.
//
// # Plain HTTP and TLS
//
// Registries are reached over HTTPS with verified certificates, except:
//
//   - loopback hosts (localhost, 127.0.0.0/8, [::1], any port) are reached
//     over plain HTTP, unless [Options.TLSLoopback] is set;
//   - hosts listed in [Options.PlainHTTP] ("host" matches any port,
//     "host:port" only that port) are reached over plain HTTP;
//   - hosts listed in [Options.Insecure] are reached over HTTPS without
//     verifying their certificate. There is no switch to skip verification
//     for all hosts.
//
// A host that cannot be reached (DNS, refused connection, TLS failure such
// as HTTPS spoken to a plain-HTTP server) fails with a [*HostError], which
// says which option would help.
//
// # Timeouts and connections
//
// [Options.RequestTimeout] (default 30s) bounds dialing, the TLS handshake
// and the wait for response headers; [Options.IdleTimeout] (default 60s)
// fails a connection on which no byte moved, in either direction, for that
// long. The request that completes a blob upload is different: a registry
// on object storage moves the blob into place before it answers (S3 copies
// a multi-gigabyte layer for a minute or more), so once that request is
// sent, [Options.CommitTimeout] (default 10m) bounds the wait instead, and
// the connection may stay silent meanwhile. There is no whole-request deadline, which would cut large blob
// transfers: callers bound a whole operation with their context. At most
// [Options.MaxConnsPerHost] (default 16) connections are opened per host;
// HTTP/2 is used when the server offers it over TLS; proxies come from the
// environment (HTTPS_PROXY, NO_PROXY).
//
// # Retries
//
// One classification serves everywhere ([IsRetryable]): responses 408, 429
// and 5xx except 501, digest mismatches (a truncated upload), connection
// resets, refusals from a host that answered before, unexpected EOF and
// timeouts are retryable; 4xx answers, authentication failures, unreachable
// hosts and canceled contexts are not.
//
// The transport retries GET and HEAD, and other requests whose body can be
// rewound, up to [Options.MaxAttempts] (default 5) attempts, waiting with
// full jitter between [Options.MinBackoff] and a ceiling that doubles per
// attempt up to [Options.MaxBackoff] (defaults 200ms and 10s). A server's
// Retry-After (seconds or an HTTP date) is honoured, up to MaxBackoff*6 or
// 60s, whichever is larger. When attempts run out on a retryable status the
// response is handed back so that oras-go reports it as usual; a
// Retry-After on it is kept in a [*RetryAfterError]. A blob download whose
// connection breaks mid-body is resumed with a Range request.
//
// A blob copy streams from source to target and cannot be replayed by the
// transport: the engine retries it whole, asking [Client.Retry] whether and
// when.
//
// # Registries that need preparation
//
// Some registries refuse a push until a namespace exists. [Client.Prepare]
// makes it, once per namespace per Client, asking first (read-only) whether
// it exists; [Client.PlanPrepare] says what Prepare would do, for dry runs;
// [Client.Created] lists what was made. Each kind of registry is one
// implementation of an internal interface (see prepare.go, which also says
// where GitLab projects, Quay organisations, Artifactory repositories and
// Google Artifact Registry repositories would fit):
//
//   - Amazon ECR does not create repositories on push: Prepare creates one
//     (CreateRepository with [ECROptions]: scan on push, immutable tags, a
//     KMS key) unless the registry's repositories, listed once per Client,
//     hold it. [ParseECRHost] recognises ECR hosts, FIPS, China and
//     dual-stack included.
//   - Harbor refuses a push into a project that does not exist: Prepare
//     creates the project (a repository's first path element) with POST
//     /api/v2.0/projects ([HarborOptions]: private unless Public, auto-scan,
//     a storage quota) unless HEAD /api/v2.0/projects says it exists. A
//     registry is a Harbor when it answers GET /api/v2.0/systeminfo
//     (anonymous, once per host per Client), or as [HarborOptions.Detect]
//     forces. Harbor's API is called through the same transport as registry
//     requests (TLS policy, timeouts, retries) with the same credentials
//     (the Login, docker config or credential helper of the host) as basic
//     auth, to that host only. A project created meanwhile by another
//     process (409) is success.
//
// # Pre-flight
//
// [Client.Preflight] checks a copy's targets before anything is copied:
// namespaces prepared, credentials accepted, a push allowed (an upload
// started and cancelled per namespace). It costs a few requests per
// registry, counted in its documentation, and reports every problem at once.
//
// # Errors
//
// Errors are typed for errors.As: [*AuthError] for a 401 or 403 after the
// credentials we have were tried, [*HostError] for an unreachable host,
// [*RetryAfterError] for a server's Retry-After, [*PrepareError] for a
// namespace that does not exist and could not be created (naming the
// permission that is missing), [*PushError] for a push refused to
// accepted credentials, [*PreflightError] for everything a pre-flight
// found. Registry error responses are oras-go's *errcode.ErrorResponse.
//
// The package prints nothing; it logs, at debug level, retries, ECR calls
// and Harbor detection, and at info level what it creates, to
// [Options.Logger].
package registry
