package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/airlift-cli/airlift/internal/redact"
)

// credentialError marks a failure to obtain credentials (an ECR token that
// could not be had), reported as an *AuthError.
type credentialError struct{ err error }

func (e *credentialError) Error() string { return e.err.Error() }
func (e *credentialError) Unwrap() error { return e.err }

// credential resolves the credential for a registry host (the auth.Client's
// CredentialFunc): a Login given for the host, then the docker config and
// its credential helpers, then, for an ECR host with no docker credential,
// a token from ECR's GetAuthorizationToken.
//
// A docker credential helper that fails (often one named in a config.json
// copied from another machine and not installed here) does not stop
// anonymous access to public registries: the host is tried without
// credentials, and if it then refuses us, the *AuthError says why none
// were sent.
func (c *Client) credential(ctx context.Context, hostport string) (auth.Credential, error) {
	if l, ok := c.logins.find(hostport); ok {
		return auth.Credential{Username: l.Username, Password: l.Password}, nil
	}
	cred, err := c.docker(ctx, hostport)
	if err == nil {
		c.credFailures.Delete(hostport)
		if cred != auth.EmptyCredential {
			return cred, nil
		}
	} else {
		err = fmt.Errorf("reading docker credentials failed: %w", redact.Error(err))
		if _, seen := c.credFailures.Swap(hostport, err); !seen {
			c.log.WarnContext(ctx, "cannot read docker credentials, trying without", "registry", hostport, "error", err.Error())
		}
	}
	if h, ok := parseECR(hostport); ok {
		cred, err := c.ecr.credential(ctx, h)
		if err != nil {
			return auth.EmptyCredential, &credentialError{err: err}
		}
		return cred, nil
	}
	return auth.EmptyCredential, nil
}

// withCredentialFailure adds to an authentication error why no docker
// credentials were sent to host, if reading them failed.
func (c *Client) withCredentialFailure(host string, err error) error {
	if v, ok := c.credFailures.Load(host); ok {
		return fmt.Errorf("%w (%v)", err, v)
	}
	return err
}

// credential returns registry credentials for an ECR host from
// GetAuthorizationToken, cached until shortly before the token expires.
func (a *ecrAccess) credential(ctx context.Context, h ecrHost) (auth.Credential, error) {
	a.mu.Lock()
	tok := a.tokens[h.host]
	if tok == nil {
		tok = &ecrToken{}
		a.tokens[h.host] = tok
	}
	a.mu.Unlock()

	tok.mu.Lock()
	defer tok.mu.Unlock()
	if tok.cred.Password != "" && time.Until(tok.expires) > tokenMargin {
		return tok.cred, nil
	}
	fail := func(err error) (auth.Credential, error) {
		return auth.EmptyCredential, fmt.Errorf("get ECR authorization token for %s: %w", h.host, err)
	}
	client, err := a.client(ctx, h)
	if err != nil {
		return fail(err)
	}
	out, err := client.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return fail(awsError(err))
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return fail(errors.New("no authorization data in the response"))
	}
	data := out.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(data.AuthorizationToken))
	user, pass, ok := strings.Cut(string(raw), ":")
	if err != nil || !ok || user == "" || pass == "" {
		return fail(errors.New("malformed authorization token"))
	}
	tok.cred = auth.Credential{Username: user, Password: pass}
	tok.expires = time.Now().Add(12 * time.Hour)
	if data.ExpiresAt != nil {
		tok.expires = *data.ExpiresAt
	}
	a.log.DebugContext(ctx, "using ECR authorization token", "registry", h.host, "expires", tok.expires)
	return tok.cred, nil
}

// lookedIn says where credentials for host were looked for: the docker
// config file and the credential helper it names for host, if any.
func (c *Client) lookedIn(host string) string {
	where := c.config
	data, err := os.ReadFile(c.config)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return where + " (there is no such file)"
	case err != nil:
		return where
	}
	var cfg struct {
		CredsStore  string            `json:"credsStore"`
		CredHelpers map[string]string `json:"credHelpers"`
	}
	if json.Unmarshal(data, &cfg) != nil {
		return where
	}
	if h := cfg.CredHelpers[host]; h != "" {
		return where + " (credential helper docker-credential-" + h + ")"
	}
	if cfg.CredsStore != "" {
		return where + " (credential helper docker-credential-" + cfg.CredsStore + ")"
	}
	return where
}

// Login returns the credentials the Client would send to host: a Login
// given for it, the docker config's (its credential helpers included), or
// an ECR token (valid 12 hours). ErrNoLogin when there are none.
func (c *Client) Login(ctx context.Context, host string) (Login, error) {
	cred, err := c.credential(ctx, dockerHub(strings.ToLower(host)))
	if err != nil {
		return Login{}, err
	}
	if cred.Username == "" && cred.Password == "" && cred.RefreshToken == "" {
		return Login{}, fmt.Errorf("%w for %s in %s", ErrNoLogin, host, c.lookedIn(host))
	}
	if cred.RefreshToken != "" && cred.Password == "" {
		return Login{}, fmt.Errorf("the credential for %s in %s is an identity token, which a pull secret cannot hold: give --username and the password on stdin", host, c.lookedIn(host))
	}
	return Login{Host: host, Username: cred.Username, Password: cred.Password}, nil
}

// ErrNoLogin is wrapped when no credentials are known for a host.
var ErrNoLogin = errors.New("no credentials")
