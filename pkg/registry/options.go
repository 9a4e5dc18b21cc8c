package registry

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// Defaults applied by [New] to zero fields of [Options].
const (
	DefaultRequestTimeout  = 30 * time.Second
	DefaultIdleTimeout     = 60 * time.Second
	DefaultCommitTimeout   = 10 * time.Minute
	DefaultMaxAttempts     = 5
	DefaultMinBackoff      = 200 * time.Millisecond
	DefaultMaxBackoff      = 10 * time.Second
	DefaultMaxConnsPerHost = 16
	DefaultUserAgent       = "airlift"
)

// Options configures a [Client]. The zero value is usable: every zero field
// takes the documented default.
type Options struct {
	// PlainHTTP lists registry hosts ("host" or "host:port") reached over
	// plain HTTP. A "host" entry matches any port. Loopback hosts
	// (localhost, 127.0.0.0/8, [::1], with any port) use plain HTTP by
	// default; set TLSLoopback to use HTTPS for them too.
	PlainHTTP   []string
	TLSLoopback bool
	// Insecure lists hosts ("host" or "host:port") whose TLS certificate is
	// not verified. Only hosts named here, never all.
	Insecure []string
	// CAFiles are PEM files of certificate authorities trusted, besides the
	// system's, for every host (a private CA of an internal registry or
	// chart repository).
	CAFiles []string
	// CertFile and KeyFile are a PEM client certificate and its key,
	// presented to hosts that ask for one (mutual TLS). Both or neither.
	CertFile, KeyFile string
	// Logins are credentials for named hosts. They come before the docker
	// config for their host and are sent to that host only: registry
	// token exchanges, and basic auth on [Client.Get] of a chart
	// repository. Their passwords never appear in logs or errors.
	Logins []Login
	// DockerConfig is the docker config.json to read credentials from, or
	// the directory holding it; "" = $DOCKER_CONFIG/config.json or
	// ~/.docker/config.json. Credential
	// helpers (credsStore, credHelpers) are honoured.
	DockerConfig string
	// RequestTimeout bounds dialing, the TLS handshake and the wait for
	// response headers (default 30s). IdleTimeout fails a connection on
	// which no byte moved, in either direction, for that long (default
	// 60s). Neither is a whole-request deadline, which would cut large blob
	// transfers.
	RequestTimeout, IdleTimeout time.Duration
	// CommitTimeout bounds the wait for the answer to the request that
	// completes a blob upload, once the blob is sent (default 10m): a
	// registry on object storage moves the blob into place first. The
	// connection's idle timeout is lifted to it for that wait.
	CommitTimeout time.Duration
	// MaxAttempts bounds the attempts at one request, the first included
	// (default 5); 1 disables retries. Backoff between attempts is drawn
	// with full jitter from [MinBackoff, min(MaxBackoff, MinBackoff*2^n)]
	// (defaults 200ms and 10s).
	MaxAttempts            int
	MinBackoff, MaxBackoff time.Duration
	// MaxConnsPerHost bounds connections per registry host (default 16).
	MaxConnsPerHost int
	// UserAgent is sent with every request (default "airlift").
	UserAgent string
	// Logger receives debug records (retries, ECR calls); nil discards.
	Logger *slog.Logger
	// ECR configures repositories created by [Client.Prepare] on ECR.
	ECR ECROptions
	// Harbor says how Harbor registries are recognised and how the
	// projects [Client.Prepare] creates on them are configured.
	Harbor HarborOptions
}

// Login is a username and password for one host ("host" or "host:port";
// a "host" entry matches any port). docker.io, index.docker.io and
// registry-1.docker.io are one host.
type Login struct {
	Host, Username, Password string
}

// ECROptions configures repositories that [Client.Prepare] creates on
// Amazon ECR.
type ECROptions struct {
	// ScanOnPush turns on image scanning on push.
	ScanOnPush bool
	// ImmutableTags makes tags immutable (IMMUTABLE tag mutability).
	ImmutableTags bool
	// KMSKey is a KMS key ARN or ID: encryption type KMS with this key;
	// "" leaves ECR's default (AES256).
	KMSKey string
}

// HarborOptions configures the projects that [Client.Prepare] creates on
// Harbor, and how a registry is known to be one.
type HarborOptions struct {
	// Detect says which target registries are Harbors (default
	// HarborAuto).
	Detect HarborDetect
	// Public creates public projects (anyone may pull); the default is
	// private.
	Public bool
	// AutoScan turns on scanning images on push.
	AutoScan bool
	// StorageLimit is each project's storage quota in bytes: 0 leaves
	// Harbor's default for new projects, -1 is unlimited. Harbor applies
	// it only when a system administrator creates the project and quotas
	// per project are enabled.
	StorageLimit int64
}

// HarborDetect says which registries are treated as Harbor.
type HarborDetect int

// Values of HarborOptions.Detect.
const (
	// HarborAuto asks each target registry, once per Client, for GET
	// /api/v2.0/systeminfo (anonymous): a Harbor answers with its
	// GeneralInfo (auth_mode), other registries with 404.
	HarborAuto HarborDetect = iota
	// HarborOn treats every registry that is not ECR as a Harbor.
	HarborOn
	// HarborOff never does: no detection request, no project created.
	HarborOff
)

// withDefaults validates o and fills its zero fields.
func (o Options) withDefaults() (Options, error) {
	if o.RequestTimeout < 0 || o.IdleTimeout < 0 || o.CommitTimeout < 0 || o.MinBackoff < 0 || o.MaxBackoff < 0 ||
		o.MaxAttempts < 0 || o.MaxConnsPerHost < 0 {
		return o, errors.New("registry options: timeouts, backoffs and counts must not be negative")
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.CommitTimeout == 0 {
		o.CommitTimeout = DefaultCommitTimeout
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MinBackoff == 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = max(DefaultMaxBackoff, o.MinBackoff)
	}
	if o.MinBackoff > o.MaxBackoff {
		return o, fmt.Errorf("registry options: MinBackoff %s is above MaxBackoff %s", o.MinBackoff, o.MaxBackoff)
	}
	if o.MaxConnsPerHost == 0 {
		o.MaxConnsPerHost = DefaultMaxConnsPerHost
	}
	if o.Harbor.Detect < HarborAuto || o.Harbor.Detect > HarborOff {
		return o, fmt.Errorf("registry options: unknown Harbor.Detect %d", o.Harbor.Detect)
	}
	if o.Harbor.StorageLimit < -1 {
		return o, fmt.Errorf("registry options: Harbor.StorageLimit %d: want bytes, 0 (Harbor's default) or -1 (unlimited)", o.Harbor.StorageLimit)
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// hostSet matches registry hosts against "host" and "host:port" entries.
type hostSet map[string]bool

// newHostSet normalises entries (lower case, no brackets around a bare IPv6
// address) and rejects ones that are not a host or host:port.
func newHostSet(field string, entries []string) (hostSet, error) {
	s := hostSet{}
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" || strings.ContainsAny(e, "/ @?#") {
			return nil, fmt.Errorf("registry options: %s entry %q is not a host or host:port", field, e)
		}
		if host, port, err := net.SplitHostPort(e); err == nil {
			s[joinHostPort(host, port)] = true
			continue
		}
		s[strings.Trim(e, "[]")] = true
	}
	return s, nil
}

// match reports whether hostport ("host", "host:port", "[::1]:5000") is in
// the set, either exactly or through an entry without a port.
func (s hostSet) match(hostport string) bool {
	if len(s) == 0 {
		return false
	}
	host, port := splitHostPort(strings.ToLower(hostport))
	if port != "" && s[joinHostPort(host, port)] {
		return true
	}
	return s[host]
}

// splitHostPort splits "host:port" or returns the bare host (brackets
// removed) with no port.
func splitHostPort(hostport string) (host, port string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return h, p
	}
	return strings.Trim(hostport, "[]"), ""
}

func joinHostPort(host, port string) string {
	if port == "" {
		return host
	}
	return net.JoinHostPort(host, port)
}

// isLoopback reports whether hostport names this machine: localhost,
// 127.0.0.0/8 or ::1, with any port.
func isLoopback(hostport string) bool {
	host, _ := splitHostPort(strings.ToLower(hostport))
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
