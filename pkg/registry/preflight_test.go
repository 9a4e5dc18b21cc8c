package registry

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airlift-cli/airlift/internal/testregistry"
)

// preflightCase is one pre-flight over registries started for it.
type preflightCase struct {
	name string
	// setup starts what the case needs and returns the client and the
	// targets.
	setup func(t *testing.T) (*Client, []Target)
	// want: one substring per problem, in the order reported; none = ok.
	want []string
	// wantTypes: the type of each problem ("auth", "host", "prepare", "push").
	wantTypes []string
}

func TestPreflight(t *testing.T) {
	t.Parallel()
	const user, pass = "ci", "c1-Password"
	plain := func(t *testing.T, password string, repos ...string) (*Client, []Target) {
		reg := testregistry.Start(t, testregistry.WithBasicAuth(user, pass))
		c := harborClient(t, reg.Host, user, password, Options{})
		var targets []Target
		for _, r := range repos {
			targets = append(targets, Target{Registry: reg.Host, Repository: r})
		}
		return c, targets
	}
	harbor := func(t *testing.T, user, pass string, projects []string, repos ...string) (*Client, []Target) {
		h, reg := newHarbor(t)
		for _, p := range projects {
			h.AddProject(p)
		}
		c := harborClient(t, reg.Host, user, pass, Options{})
		var targets []Target
		for _, r := range repos {
			targets = append(targets, Target{Registry: reg.Host, Repository: r})
		}
		return c, targets
	}
	tests := []preflightCase{
		{name: "plain registry, push allowed", setup: func(t *testing.T) (*Client, []Target) {
			return plain(t, pass, "mirror/team/api", "mirror/library/tool")
		}},
		{name: "plain registry, wrong password: one line for the registry", setup: func(t *testing.T) (*Client, []Target) {
			return plain(t, "wrong-Password", "a/app", "b/app", "c/app")
		}, want: []string{"authentication to 127.0.0.1"}, wantTypes: []string{"auth"}},
		{name: "no credentials", setup: func(t *testing.T) (*Client, []Target) {
			reg := testregistry.Start(t, testregistry.WithBasicAuth(user, pass))
			return newTestClient(t, Options{}), []Target{{Registry: reg.Host, Repository: "mirror/app"}}
		}, want: []string{"no credentials found for 127.0.0.1"}, wantTypes: []string{"auth"}},
		{name: "unreachable registry", setup: func(t *testing.T) (*Client, []Target) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close()
			return newTestClient(t, Options{MaxAttempts: 1}), []Target{{Registry: addr, Repository: "mirror/app"}, {Registry: addr, Repository: "other/app"}}
		}, want: []string{"cannot reach registry 127.0.0.1"}, wantTypes: []string{"host"}},
		{name: "Harbor, project created, push allowed", setup: func(t *testing.T) (*Client, []Target) {
			return harbor(t, harborSysRobot, harborSysRobotPass, nil, "mirror/team/api", "mirror/library/tool")
		}},
		{name: "Harbor, wrong password", setup: func(t *testing.T) (*Client, []Target) {
			return harbor(t, harborAdmin, "wrong-Password", nil, "mirror/team/api", "other/app")
		}, want: []string{"authentication to 127.0.0.1"}, wantTypes: []string{"auth"}},
		{name: "Harbor, robot account may not create the project", setup: func(t *testing.T) (*Client, []Target) {
			return harbor(t, harborRobot, harborRobotPass, nil, "mirror/team/api", "mirror/team/worker")
		}, want: []string{"Harbor project mirror on 127.0.0.1"}, wantTypes: []string{"prepare"}},
		{name: "Harbor, push refused in one project", setup: func(t *testing.T) (*Client, []Target) {
			return harbor(t, harborRobot, harborRobotPass, []string{"mirror", "other"}, "mirror/app", "other/app")
		}, want: []string{"may not push to 127.0.0.1"}, wantTypes: []string{"push"}},
		{name: "every problem at once", setup: func(t *testing.T) (*Client, []Target) {
			h, reg := newHarbor(t)
			h.AddProject("readonly")
			bad := testregistry.Start(t, testregistry.WithBasicAuth(user, pass))
			cfg := writeDockerConfigs(t, map[string][2]string{
				reg.Host: {harborRobot, harborRobotPass},
				bad.Host: {user, "wrong-Password"},
			})
			c := newTestClient(t, Options{DockerConfig: cfg, MaxAttempts: 2})
			return c, []Target{
				{Registry: reg.Host, Repository: "mirror/app"},   // project missing, may not create
				{Registry: reg.Host, Repository: "readonly/app"}, // may not push
				{Registry: reg.Host, Repository: "noproject"},    // not PROJECT/NAME
				{Registry: bad.Host, Repository: "x/app"},        // wrong password
				{Registry: bad.Host, Repository: "y/app"},
			}
		}, want: []string{"Harbor project mirror on", "authentication to", "cannot create a Harbor project for repository noproject", "may not push to"},
			wantTypes: []string{"prepare", "auth", "prepare", "push"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, targets := tt.setup(t)
			start := time.Now()
			err := c.Preflight(context.Background(), targets)
			elapsed := time.Since(start)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Preflight = %v", err)
				}
				return
			}
			var pf *PreflightError
			if !errors.As(err, &pf) {
				t.Fatalf("Preflight = %v, want a *PreflightError", err)
			}
			for _, p := range pf.Problems {
				t.Logf("problem: %v", p)
			}
			if len(pf.Problems) != len(tt.want) {
				t.Fatalf("%d problems, want %d", len(pf.Problems), len(tt.want))
			}
			for i, p := range pf.Problems {
				msg := p.Error()
				if !strings.Contains(msg, tt.want[i]) || strings.Contains(msg, "\n") || strings.Contains(msg, "Password") {
					t.Errorf("problem %d: %q, want one line with %q and no password", i, msg, tt.want[i])
				}
				if got := problemType(p); got != tt.wantTypes[i] {
					t.Errorf("problem %d is a %s error, want %s", i, got, tt.wantTypes[i])
				}
			}
			if elapsed > time.Second {
				t.Errorf("the pre-flight took %s", elapsed)
			}
		})
	}
}

func problemType(err error) string {
	var (
		authErr *AuthError
		hostErr *HostError
		prepErr *PrepareError
		pushErr *PushError
	)
	switch {
	case errors.As(err, &pushErr):
		return "push"
	case errors.As(err, &prepErr):
		return "prepare"
	case errors.As(err, &authErr):
		return "auth"
	case errors.As(err, &hostErr):
		return "host"
	}
	return fmt.Sprintf("%T", err)
}

// writeDockerConfigs writes a docker config with credentials for several
// hosts.
func writeDockerConfigs(t *testing.T, creds map[string][2]string) string {
	t.Helper()
	var entries []string
	for host, c := range creds {
		entries = append(entries, fmt.Sprintf("%q: {\"auth\": %q}", host, base64.StdEncoding.EncodeToString([]byte(c[0]+":"+c[1]))))
	}
	return writeFile(t, "config.json", `{"auths": {`+strings.Join(entries, ", ")+`}}`)
}

// TestPreflightCost counts, through testregistry.Proxy, the requests the
// pre-flight makes: a plain registry costs the Harbor detection and one
// upload started and cancelled per first path element; a Harbor also one
// HEAD per project (and the first request's basic-auth challenge).
func TestPreflightCost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		harbor  bool
		targets []string
		want    []string // METHOD path, in any order
	}{
		{name: "plain registry, one prefix", targets: []string{"mirror/team/api", "mirror/team/worker", "mirror/library/tool"}, want: []string{
			"GET /api/v2.0/systeminfo", "POST /v2/mirror/library/tool/blobs/uploads/", "DELETE /v2/mirror/library/tool/blobs/uploads/*"}},
		{name: "plain registry, two first path elements", targets: []string{"team/api", "library/tool"}, want: []string{
			"GET /api/v2.0/systeminfo", "POST /v2/library/tool/blobs/uploads/", "DELETE /v2/library/tool/blobs/uploads/*",
			"POST /v2/team/api/blobs/uploads/", "DELETE /v2/team/api/blobs/uploads/*"}},
		{name: "Harbor, project there", harbor: true, targets: []string{"mirror/team/api", "mirror/team/worker", "mirror/library/tool"}, want: []string{
			"GET /api/v2.0/systeminfo", "HEAD /api/v2.0/projects",
			"POST /v2/mirror/library/tool/blobs/uploads/", // 401: the basic-auth challenge
			"POST /v2/mirror/library/tool/blobs/uploads/", "DELETE /v2/mirror/library/tool/blobs/uploads/*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var reg *testregistry.Registry
			if tt.harbor {
				var h *testregistry.Harbor
				h, reg = newHarbor(t)
				h.AddProject("mirror")
			} else {
				reg = testregistry.Start(t)
			}
			proxy := testregistry.NewProxy(t, reg)
			c := harborClient(t, proxy.Host, harborAdmin, harborAdminPass, Options{})
			var targets []Target
			for _, r := range tt.targets {
				targets = append(targets, Target{Registry: proxy.Host, Repository: r})
			}
			if err := c.Preflight(context.Background(), targets); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range proxy.Requests() {
				path := r.Path
				if i := strings.Index(path, "/blobs/uploads/"); i >= 0 && r.Method == http.MethodDelete {
					path = path[:i] + "/blobs/uploads/*"
				}
				got = append(got, r.Method+" "+path)
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			t.Logf("%d requests for %d targets", len(got), len(targets))
		})
	}
}
