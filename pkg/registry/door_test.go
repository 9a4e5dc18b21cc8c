package registry

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/airlift-cli/airlift/internal/testregistry"
)

// TestCAFiles: a registry with a private CA is reached once its
// certificate is given in CAFiles, and refused with a hint before.
func TestCAFiles(t *testing.T) {
	reg := testregistry.Start(t, testregistry.WithTLS())
	img := newTestImage(t, 512)
	tests := []struct {
		name    string
		caFiles []string
		wantErr bool
	}{
		{name: "system roots only", wantErr: true},
		{name: "private CA given", caFiles: []string{reg.CAFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, Options{TLSLoopback: true, CAFiles: tt.caFiles, MaxAttempts: 1})
			repo := testRepo(t, c, reg.Host, "team/app")
			err := repo.Tags(context.Background(), "", func([]string) error { return nil })
			if tt.wantErr {
				var hostErr *HostError
				if !errors.As(err, &hostErr) || !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("Tags = %v, want a *HostError about the certificate", err)
				}
				return
			}
			img.push(t, context.Background(), repo, "v1")
		})
	}
	t.Run("a file without certificates", func(t *testing.T) {
		_, err := New(Options{CAFiles: []string{writeFile(t, "ca.pem", "not a certificate")}})
		if err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
			t.Errorf("New = %v", err)
		}
	})
}

// TestLogins: a Login comes before the docker config for its host, and is
// not used for other hosts.
func TestLogins(t *testing.T) {
	const user, pass = "robot", "l0gin-Secret"
	reg := newTestRegistry(t, withHtpasswd(user, pass))
	tests := []struct {
		name    string
		logins  []Login
		wantErr bool
	}{
		{name: "login for the host, wrong docker config", logins: []Login{{Host: reg.Host, Username: user, Password: pass}}},
		{name: "login for the host without port", logins: []Login{{Host: "127.0.0.1", Username: user, Password: pass}}},
		{name: "login for another host", logins: []Login{{Host: "other.example", Username: user, Password: pass}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, logs := debugLogger()
			c := newTestClient(t, Options{Logins: tt.logins, DockerConfig: writeDockerConfig(t, reg.Host, user, "wrong"), Logger: log})
			err := testRepo(t, c, reg.Host, "team/app").Tags(context.Background(), "", func([]string) error { return nil })
			var authErr *AuthError
			switch {
			case tt.wantErr && !errors.As(err, &authErr):
				t.Fatalf("Tags = %v, want *AuthError", err)
			case !tt.wantErr && err != nil && !strings.Contains(err.Error(), "404"):
				t.Fatalf("Tags = %v", err)
			}
			if err != nil && strings.Contains(err.Error(), pass) || strings.Contains(logs.String(), pass) {
				t.Errorf("the password leaked: %v\n%s", err, logs)
			}
		})
	}
	t.Run("a login without credentials is refused", func(t *testing.T) {
		if _, err := New(Options{Logins: []Login{{Host: "r.example"}}}); err == nil {
			t.Error("New accepted an empty login")
		}
	})
}

// TestDockerConfigDirectory: DockerConfig may name the directory, as
// $DOCKER_CONFIG does.
func TestDockerConfigDirectory(t *testing.T) {
	const user, pass = "alice", "d1r-Secret"
	reg := newTestRegistry(t, withHtpasswd(user, pass))
	dir := filepath.Dir(writeDockerConfig(t, reg.Host, user, pass))
	c := newTestClient(t, Options{DockerConfig: dir})
	err := testRepo(t, c, reg.Host, "team/app").Tags(context.Background(), "", func([]string) error { return nil })
	if err != nil && !strings.Contains(err.Error(), "404") {
		t.Fatalf("Tags with DockerConfig a directory: %v", err)
	}
}

// TestGet: chart repositories go through the same door as registries: the
// login of the URL's host is sent to that host only, retryable failures
// are retried, and a gzip-encoded archive stays as it was sent.
func TestGet(t *testing.T) {
	var mu sync.Mutex
	auths := map[string]string{} // path -> Authorization seen
	var failures atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths["other"+r.URL.Path] = r.Header.Get("Authorization")
		mu.Unlock()
		_, _ = io.WriteString(w, "elsewhere")
	}))
	defer other.Close()
	var archive bytes.Buffer
	zw := gzip.NewWriter(&archive)
	_, _ = zw.Write([]byte("chart archive"))
	_ = zw.Close()
	repo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths[r.URL.Path] = r.Header.Get("Authorization")
		mu.Unlock()
		switch r.URL.Path {
		case "/flaky":
			if failures.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = io.WriteString(w, "ok")
		case "/app-1.0.0.tgz":
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(archive.Bytes())
		case "/redirect":
			http.Redirect(w, r, other.URL+"/file", http.StatusFound)
		}
	}))
	defer repo.Close()
	host := strings.TrimPrefix(repo.URL, "http://")
	c := newTestClient(t, Options{Logins: []Login{{Host: host, Username: "u", Password: "p4ss"}}})

	get := func(path string) []byte {
		t.Helper()
		resp, err := c.Get(context.Background(), repo.URL+path, nil)
		if err != nil {
			t.Fatalf("Get %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("Get %s: %s", path, resp.Status)
		}
		return b
	}
	if got := get("/flaky"); string(got) != "ok" || failures.Load() != 2 {
		t.Errorf("flaky: %q after %d attempts, want ok after 2", got, failures.Load())
	}
	if got := get("/app-1.0.0.tgz"); !bytes.Equal(got, archive.Bytes()) {
		t.Errorf("the gzip-encoded archive was changed: %q", got)
	}
	if got := get("/redirect"); string(got) != "elsewhere" {
		t.Errorf("redirect: %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.HasPrefix(auths["/flaky"], "Basic ") {
		t.Errorf("the repository's login was not sent: %q", auths["/flaky"])
	}
	if a := auths["other/file"]; a != "" {
		t.Errorf("the login followed a redirect to another host: %q", a)
	}
	if _, err := c.Get(context.Background(), "ftp://x/y", nil); err == nil {
		t.Error("Get of an ftp URL succeeded")
	}
}
