package registry

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
)

// Client gives access to registries with one set of credentials, transport
// policy and retry policy. It is safe for concurrent use; make one per run
// and share it, so that connections, tokens and prepared repositories are
// shared too.
type Client struct {
	opts      Options
	log       *slog.Logger
	policy    policy
	plainHTTP hostSet
	docker    auth.CredentialFunc
	config    string // the docker config file read (it may not exist)
	logins    loginSet
	auth      *auth.Client
	web       *http.Client // chart repositories and other plain URLs (Get)
	ecr       *ecrAccess
	harbors   shared[bool] // host -> is a Harbor
	prep      preparation

	credFailures sync.Map // host -> error reading its docker credentials
}

// New returns a Client for opts, with defaults for its zero fields. It
// reads the docker config file (a missing file means no credentials) but
// contacts nothing.
func New(opts Options) (*Client, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	plain, err := newHostSet("PlainHTTP", opts.PlainHTTP)
	if err != nil {
		return nil, err
	}
	insecure, err := newHostSet("Insecure", opts.Insecure)
	if err != nil {
		return nil, err
	}
	logins, err := newLoginSet(opts.Logins)
	if err != nil {
		return nil, err
	}
	tlsConf, err := tlsBase(opts)
	if err != nil {
		return nil, fmt.Errorf("registry options: %w", err)
	}
	configPath := dockerConfigPath(opts.DockerConfig)
	store, err := credentials.NewStore(configPath, credentials.StoreOptions{})
	if err != nil {
		return nil, fmt.Errorf("read docker credentials: %w", err)
	}

	c := &Client{
		opts:      opts,
		log:       opts.Logger,
		policy:    policy{attempts: opts.MaxAttempts, min: opts.MinBackoff, max: opts.MaxBackoff},
		plainHTTP: plain,
		docker:    credentials.Credential(store),
		config:    configPath,
		logins:    logins,
		ecr:       newECRAccess(opts.ECR, opts.Logger),
	}
	router := &hostRouter{secure: newHTTPTransport(opts, tlsConf, false), insecureHosts: insecure}
	if len(insecure) > 0 {
		router.insecure = newHTTPTransport(opts, tlsConf, true)
	}
	transport := &retrier{
		next:   &headerTimeout{next: router, normal: opts.RequestTimeout, commit: opts.CommitTimeout},
		policy: c.policy, log: c.log,
	}
	c.auth = &auth.Client{
		Client:     &http.Client{Transport: transport},
		Credential: c.credential,
		Cache:      auth.NewCache(),
	}
	c.web = &http.Client{Transport: transport, CheckRedirect: loginStaysHome}
	c.auth.SetUserAgent(opts.UserAgent)
	return c, nil
}

// dockerConfigPath is the docker config file to read: the one given (or
// config.json in the directory given), else $DOCKER_CONFIG/config.json,
// else ~/.docker/config.json, as docker finds it.
func dockerConfigPath(given string) string {
	if given != "" {
		if fi, err := os.Stat(given); err == nil && fi.IsDir() {
			return filepath.Join(given, "config.json")
		}
		return given
	}
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".docker", "config.json")
	}
	return filepath.Join(home, ".docker", "config.json")
}

// Repository returns an oras-go repository for registry/repository that
// uses this Client's credentials, transport and retries, over plain HTTP
// when the policy says so (see [Options.PlainHTTP]). registry is a host
// with an optional port ("quay.io", "127.0.0.1:5000"); "docker.io" and
// "index.docker.io" are reached at registry-1.docker.io. Nothing is
// contacted until the repository is used.
func (c *Client) Repository(ctx context.Context, registry, repository string) (*remote.Repository, error) {
	host := registryHost(registry)
	repo, err := remote.NewRepository(host + "/" + repository)
	if err != nil {
		return nil, fmt.Errorf("repository %s/%s: %w", registry, repository, err)
	}
	repo.Client = &doer{c: c}
	repo.PlainHTTP = c.usePlainHTTP(host)
	repo.HandleWarning = func(w remote.Warning) {
		c.log.Warn("registry warning", "registry", host, "repository", repository, "text", w.Text)
	}
	return repo, nil
}

// registryHost is the host a registry is reached at: lower case, and
// registry-1.docker.io for docker.io and index.docker.io.
func registryHost(registry string) string {
	host := strings.ToLower(registry)
	if host == "docker.io" || host == "index.docker.io" {
		host = "registry-1.docker.io"
	}
	return host
}

// scheme is the URL scheme for host under the plain-HTTP policy.
func (c *Client) scheme(host string) string {
	if c.usePlainHTTP(host) {
		return "http"
	}
	return "https"
}

// usePlainHTTP applies the plain-HTTP policy to a host.
func (c *Client) usePlainHTTP(host string) bool {
	if c.plainHTTP.match(host) {
		return true
	}
	return !c.opts.TLSLoopback && isLoopback(host)
}
