package registry

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeDockerConfig writes a config.json with basic credentials for host.
func writeDockerConfig(t *testing.T, host, user, pass string) string {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	path := filepath.Join(t.TempDir(), "config.json")
	data := fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, host, auth)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDockerConfigCredentials(t *testing.T) {
	t.Parallel()
	const user, pass = "alice", "s3cret-Pa55word"
	reg := newTestRegistry(t, withHtpasswd(user, pass))
	img := newTestImage(t, 1024)

	tests := []struct {
		name     string
		config   func(t *testing.T) string
		wantAuth string // "" = success; else a substring of the *AuthError
	}{
		{name: "right password", config: func(t *testing.T) string { return writeDockerConfig(t, reg.Host, user, pass) }},
		{name: "wrong password", wantAuth: "authentication to " + reg.Host + " failed",
			config: func(t *testing.T) string { return writeDockerConfig(t, reg.Host, user, "wrong-"+pass) }},
		{name: "credentials for another host", wantAuth: "no credentials found",
			config: func(t *testing.T) string { return writeDockerConfig(t, "other.example:5000", user, pass) }},
		{name: "no config file", wantAuth: "no credentials found",
			config: func(t *testing.T) string { return filepath.Join(t.TempDir(), "missing.json") }},
		{name: "credential helper not installed", wantAuth: "reading docker credentials failed",
			config: func(t *testing.T) string {
				return writeFile(t, "config.json", `{"credsStore": "airlift-test-missing-helper"}`)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			log, logs := debugLogger()
			c := newTestClient(t, Options{DockerConfig: tt.config(t), Logger: log})
			repo := testRepo(t, c, reg.Host, "team/app")
			if tt.wantAuth == "" {
				img.push(t, ctx, repo, "v1")
				if _, err := repo.Resolve(ctx, "v1"); err != nil {
					t.Fatalf("Resolve: %v", err)
				}
			} else {
				err := repo.Tags(ctx, "", func([]string) error { return nil })
				var authErr *AuthError
				if !errors.As(err, &authErr) {
					t.Fatalf("Tags = %v (%T), want *AuthError", err, err)
				}
				msg := err.Error()
				t.Logf("error: %s", msg)
				if !strings.Contains(msg, tt.wantAuth) || strings.Contains(msg, "\n") {
					t.Errorf("error %q: want one line containing %q", msg, tt.wantAuth)
				}
				if authErr.Registry != reg.Host || IsRetryable(err) {
					t.Errorf("AuthError.Registry = %q, retryable %t; want %q, false", authErr.Registry, IsRetryable(err), reg.Host)
				}
				for _, secret := range []string{pass, base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))} {
					if strings.Contains(msg, secret) {
						t.Errorf("error contains a credential: %q", msg)
					}
				}
			}
			for _, secret := range []string{pass, "Basic ", "Authorization"} {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("log contains %q:\n%s", secret, logs)
				}
			}
		})
	}
}

func TestPlainHTTPPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      Options
		host      string
		wantPlain bool
	}{
		{name: "loopback IPv4", host: "127.0.0.1:5000", wantPlain: true},
		{name: "loopback 127/8", host: "127.3.2.1", wantPlain: true},
		{name: "localhost", host: "localhost:5000", wantPlain: true},
		{name: "IPv6 loopback", host: "[::1]:5000", wantPlain: true},
		{name: "loopback with TLSLoopback", opts: Options{TLSLoopback: true}, host: "127.0.0.1:5000"},
		{name: "public host", host: "quay.io"},
		{name: "private address is not loopback", host: "10.0.0.1:5000"},
		{name: "listed host, any port", opts: Options{PlainHTTP: []string{"registry.lan"}}, host: "registry.lan:5000", wantPlain: true},
		{name: "listed host:port", opts: Options{PlainHTTP: []string{"registry.lan:5000"}}, host: "registry.lan:5000", wantPlain: true},
		{name: "listed host:port, other port", opts: Options{PlainHTTP: []string{"registry.lan:5000"}}, host: "registry.lan:5001"},
		{name: "listed, case-insensitive", opts: Options{PlainHTTP: []string{"Registry.LAN"}}, host: "registry.lan", wantPlain: true},
		{name: "listed loopback with TLSLoopback", opts: Options{TLSLoopback: true, PlainHTTP: []string{"localhost:5000"}}, host: "localhost:5000", wantPlain: true},
		{name: "listed IPv6 with brackets", opts: Options{PlainHTTP: []string{"[fd00::1]"}}, host: "[fd00::1]:5000", wantPlain: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, tt.opts)
			repo := testRepo(t, c, tt.host, "x")
			if repo.PlainHTTP != tt.wantPlain {
				t.Errorf("PlainHTTP(%s) = %t, want %t", tt.host, repo.PlainHTTP, tt.wantPlain)
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
	}{
		{name: "URL in PlainHTTP", opts: Options{PlainHTTP: []string{"http://registry.lan"}}},
		{name: "path in Insecure", opts: Options{Insecure: []string{"registry.lan/team"}}},
		{name: "negative timeout", opts: Options{RequestTimeout: -1}},
		{name: "MinBackoff above MaxBackoff", opts: Options{MinBackoff: 20, MaxBackoff: 10}},
		{name: "malformed docker config", opts: Options{DockerConfig: writeFile(t, "config.json", "{not json")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(tt.opts); err == nil {
				t.Fatal("New succeeded, want an error")
			}
		})
	}
}

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReachability checks which scheme is used and how unreachable hosts
// are reported.
func TestReachability(t *testing.T) {
	t.Parallel()
	plain := newTestRegistry(t)
	tlsReg := newTestRegistry(t, withTLS())
	refused := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return addr
	}()

	tests := []struct {
		name     string
		opts     Options
		host     string
		wantHost []string // substrings of the *HostError; nil = success
	}{
		{name: "loopback over plain HTTP by default", host: plain.Host},
		{name: "non-loopback host is tried over HTTPS", host: "registry.invalid:5000",
			wantHost: []string{"cannot reach registry registry.invalid:5000", `"https://registry.invalid:5000/v2/x/tags/list"`}},
		{name: "non-loopback host listed in PlainHTTP", opts: Options{PlainHTTP: []string{"registry.invalid"}}, host: "registry.invalid:5000",
			wantHost: []string{`"http://registry.invalid:5000/v2/x/tags/list"`}},
		{name: "HTTPS to a plain-HTTP loopback registry", opts: Options{TLSLoopback: true}, host: plain.Host,
			wantHost: []string{"https://" + plain.Host, "plain HTTP"}},
		{name: "self-signed certificate without Insecure", opts: Options{TLSLoopback: true}, host: tlsReg.Host,
			wantHost: []string{"certificate is not trusted"}},
		{name: "self-signed certificate listed in Insecure", opts: Options{TLSLoopback: true, Insecure: []string{tlsReg.Host}}, host: tlsReg.Host},
		{name: "connection refused on first contact", host: refused,
			wantHost: []string{"cannot reach registry " + refused, "connection refused"}},
	}
	t.Cleanup(func() { // after the (parallel) subtests
		if n := tlsReg.requests(2); n == 0 {
			t.Errorf("the TLS registry saw no HTTP/2 request (HTTP/1: %d)", tlsReg.requests(1))
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, logs := debugLogger()
			tt.opts.Logger = log
			c := newTestClient(t, tt.opts)
			repo := testRepo(t, c, tt.host, "x")
			ctx := context.Background()
			err := repo.Tags(ctx, "", func([]string) error { return nil })
			if tt.wantHost == nil {
				// Reached: the registry answers that x has no tags yet, and
				// takes a push.
				if resp, ok := asErrorResponse(err); !ok || resp.StatusCode != http.StatusNotFound {
					t.Fatalf("Tags = %v, want the registry's 404", err)
				}
				newTestImage(t, 1024).push(t, ctx, repo, "v1")
				return
			}
			var hostErr *HostError
			if !errors.As(err, &hostErr) || IsRetryable(err) {
				t.Fatalf("Tags = %v (%T), want a non-retryable *HostError", err, err)
			}
			t.Logf("error: %s", err)
			for _, want := range tt.wantHost {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if strings.Contains(logs.String(), "retrying") {
				t.Errorf("an unreachable host was retried:\n%s", logs)
			}
		})
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, set, want string }{
		{"default", "", "airlift"},
		{"custom", "airlift/1.2.3", "airlift/1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan string, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case got <- r.UserAgent():
				default:
				}
				_, _ = w.Write([]byte(`{"name":"x","tags":[]}`))
			}))
			defer srv.Close()
			c := newTestClient(t, Options{UserAgent: tt.set})
			repo := testRepo(t, c, strings.TrimPrefix(srv.URL, "http://"), "x")
			if err := repo.Tags(context.Background(), "", func([]string) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if ua := <-got; ua != tt.want {
				t.Errorf("User-Agent = %q, want %q", ua, tt.want)
			}
		})
	}
}
