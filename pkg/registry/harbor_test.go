package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/airlift-cli/airlift/internal/testregistry"
)

// Accounts of the Harbor stand-in.
const (
	harborAdmin, harborAdminPass = "admin", "Harbor12345-admin-pw"
	// A project robot: pushes to project "mirror", cannot create projects.
	harborRobot, harborRobotPass = "robot$mirror-ci", "r0bot-Secret-pw"
	// A system robot with Project: Create, pushing to every project.
	harborSysRobot, harborSysRobotPass = "robot$sys-ci", "sys-R0bot-pw"
	// A user on a Harbor where only administrators create projects.
	harborDev, harborDevPass = "dev", "d3v-Password"
)

// newHarbor starts the Harbor stand-in in front of an in-process registry.
func newHarbor(t *testing.T) (*testregistry.Harbor, *testregistry.Registry) {
	t.Helper()
	h := testregistry.NewHarbor(
		testregistry.HarborAccount{Name: harborAdmin, Password: harborAdminPass, Admin: true},
		testregistry.HarborAccount{Name: harborRobot, Password: harborRobotPass, Robot: true, Push: []string{"mirror"}},
		testregistry.HarborAccount{Name: harborSysRobot, Password: harborSysRobotPass, Robot: true, SystemRobot: true, CreateProjects: true, Push: []string{"*"}},
		testregistry.HarborAccount{Name: harborDev, Password: harborDevPass, Push: []string{"*"}},
	)
	return h, testregistry.StartHarbor(t, h)
}

// harborClient is a Client with user's credentials for host in its docker
// config.
func harborClient(t *testing.T, host, user, pass string, opts Options) *Client {
	t.Helper()
	opts.DockerConfig = writeDockerConfig(t, host, user, pass)
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 2
	}
	return newTestClient(t, opts)
}

// TestHarborDetection: a Harbor is recognised by its systeminfo (asked
// once per host), a plain registry is left alone, and the option forces
// either way.
func TestHarborDetection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		harbor      bool // the stand-in, else a plain registry
		detect      HarborDetect
		wantCreated bool
		wantErr     string
		wantInfo    int // systeminfo requests
	}{
		{name: "Harbor, detected", harbor: true, wantCreated: true, wantInfo: 1},
		{name: "plain registry, not a Harbor", harbor: false},
		{name: "Harbor, detection off", harbor: true, detect: HarborOff},
		{name: "Harbor, forced on", harbor: true, detect: HarborOn, wantCreated: true},
		{name: "plain registry, forced on", harbor: false, detect: HarborOn, wantErr: "cannot create Harbor project mirror on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, reg := newHarbor(t)
			if !tt.harbor {
				reg = testregistry.Start(t, testregistry.WithBasicAuth(harborAdmin, harborAdminPass))
			}
			c := harborClient(t, reg.Host, harborAdmin, harborAdminPass, Options{Harbor: HarborOptions{Detect: tt.detect}})
			ctx := context.Background()
			var created bool
			var err error
			for _, repo := range []string{"mirror/team/api", "mirror/team/worker", "mirror/tool"} {
				var made bool
				made, err = c.Prepare(ctx, reg.Host, repo)
				created = created || made
				if err != nil {
					break
				}
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Prepare = %v, want error %q", err, tt.wantErr)
			}
			t.Logf("Prepare: created %t, err %v", created, err)
			if created != tt.wantCreated {
				t.Errorf("created = %t, want %t", created, tt.wantCreated)
			}
			if tt.harbor {
				_, exists := h.Project("mirror")
				if exists != tt.wantCreated {
					t.Errorf("project mirror exists: %t, want %t", exists, tt.wantCreated)
				}
				if n := h.Count(http.MethodGet, "/api/v2.0/systeminfo", 0); n != tt.wantInfo {
					t.Errorf("%d systeminfo requests, want %d", n, tt.wantInfo)
				}
			}
		})
	}
}

// TestHarborProjectCreated: the project a push needs is created with the
// options (public, auto-scan, quota) by the account of the registry
// credentials, after which the push that Harbor refused goes through.
func TestHarborProjectCreated(t *testing.T) {
	t.Parallel()
	h, reg := newHarbor(t)
	ctx := context.Background()
	opts := Options{Harbor: HarborOptions{Public: true, AutoScan: true, StorageLimit: 10 << 30}}
	c := harborClient(t, reg.Host, harborAdmin, harborAdminPass, opts)
	img := newTestImage(t, 1024)
	repo := testRepo(t, c, reg.Host, "mirror/team/app")

	// Harbor refuses a push into a project that does not exist.
	err := repo.Push(ctx, img.config, strings.NewReader(string(img.configData)))
	if err == nil || !strings.Contains(err.Error(), "project mirror not found") {
		t.Fatalf("push before Prepare = %v, want Harbor's refusal", err)
	}

	created, err := c.Prepare(ctx, reg.Host, "mirror/team/app")
	if err != nil || !created {
		t.Fatalf("Prepare = %t, %v; want created", created, err)
	}
	p, ok := h.Project("mirror")
	if !ok {
		t.Fatal("project mirror not created")
	}
	if p.Metadata["public"] != "true" || p.Metadata["auto_scan"] != "true" || p.StorageLimit == nil || *p.StorageLimit != 10<<30 {
		t.Errorf("project metadata %v, storage limit %v; want public, auto_scan, 10 GiB", p.Metadata, p.StorageLimit)
	}
	if got := c.Created(); len(got) != 1 || got[0] != "Harbor project mirror on "+reg.Host {
		t.Errorf("Created() = %q", got)
	}
	img.push(t, ctx, repo, "v1")

	// Defaults: private, no scan, Harbor's quota.
	c = harborClient(t, reg.Host, harborAdmin, harborAdminPass, Options{})
	if _, err := c.Prepare(ctx, reg.Host, "private/app"); err != nil {
		t.Fatal(err)
	}
	if p, _ := h.Project("private"); p.Metadata["public"] != "false" || p.Metadata["auto_scan"] != "" || *p.StorageLimit != -1 {
		t.Errorf("default project: metadata %v, storage limit %d; want private, Harbor's default quota", p.Metadata, *p.StorageLimit)
	}
}

// TestHarborProjectAlreadyThere: an existing project costs one HEAD, and
// no creation is attempted (so an account without the right to create
// projects pushes into it).
func TestHarborProjectAlreadyThere(t *testing.T) {
	t.Parallel()
	h, reg := newHarbor(t)
	h.AddProject("mirror")
	c := harborClient(t, reg.Host, harborRobot, harborRobotPass, Options{})
	ctx := context.Background()
	for _, repo := range []string{"mirror/a", "mirror/b", "mirror/c/d"} {
		created, err := c.Prepare(ctx, reg.Host, repo)
		if err != nil || created {
			t.Fatalf("Prepare(%s) = %t, %v; want nothing to do", repo, created, err)
		}
	}
	if head, post := h.Count(http.MethodHead, "/api/v2.0/projects", http.StatusOK), h.Count(http.MethodPost, "/api/v2.0/projects", 0); head != 1 || post != 0 {
		t.Errorf("%d HEAD, %d POST /api/v2.0/projects; want one HEAD, no POST", head, post)
	}
	img := newTestImage(t, 512)
	img.push(t, ctx, testRepo(t, c, reg.Host, "mirror/a"), "v1")
}

// TestHarborProjectCreatedConcurrently: 8 workers preparing repositories
// of one project share one creation; 8 separate clients (8 copies at
// once, as with --shard) all succeed, Harbor's 409 being success, and the
// project is created once.
func TestHarborProjectCreatedConcurrently(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		clients     int
		wantPOSTs   int // -1: any
		wantCreated int // callers told "created"
	}{
		{name: "8 workers, one client", clients: 1, wantPOSTs: 1, wantCreated: 1},
		{name: "8 clients", clients: 8, wantPOSTs: -1, wantCreated: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, reg := newHarbor(t)
			h.CreateDelay = 30 * time.Millisecond // all creations overlap
			clients := make([]*Client, tt.clients)
			for i := range clients {
				clients[i] = harborClient(t, reg.Host, harborSysRobot, harborSysRobotPass, Options{})
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			created := 0
			for i := range 8 {
				wg.Go(func() {
					c := clients[i%len(clients)]
					made, err := c.Prepare(context.Background(), reg.Host, fmt.Sprintf("mirror/app%d", i))
					if err != nil {
						t.Errorf("worker %d: %v", i, err)
					}
					if made {
						mu.Lock()
						created++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			posts := h.Count(http.MethodPost, "/api/v2.0/projects", 0)
			if n := h.Count(http.MethodPost, "/api/v2.0/projects", http.StatusCreated); n != 1 {
				t.Errorf("%d projects created (201), want 1", n)
			}
			if tt.wantPOSTs >= 0 && posts != tt.wantPOSTs {
				t.Errorf("%d POST /api/v2.0/projects, want %d", posts, tt.wantPOSTs)
			}
			if created != tt.wantCreated {
				t.Errorf("%d callers told created, want %d", created, tt.wantCreated)
			}
			t.Logf("%d POSTs: %d created, %d conflicts", posts, h.Count(http.MethodPost, "/api/v2.0/projects", http.StatusCreated),
				h.Count(http.MethodPost, "/api/v2.0/projects", http.StatusConflict))
		})
	}
}

// TestHarborWithoutPermission: an account Harbor does not let create
// projects gets one line naming the project, the registry, the account
// and the permission it lacks; nothing is created.
func TestHarborWithoutPermission(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, user, pass string
		wantPermission   string
	}{
		{name: "project robot account", user: harborRobot, pass: harborRobotPass, wantPermission: "Project: Create permission of a system-level robot account"},
		{name: "user, creation restricted to administrators", user: harborDev, pass: harborDevPass, wantPermission: "system administrator role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, reg := newHarbor(t)
			c := harborClient(t, reg.Host, tt.user, tt.pass, Options{})
			_, err := c.Prepare(context.Background(), reg.Host, "newproject/app")
			var prepErr *PrepareError
			if !errors.As(err, &prepErr) {
				t.Fatalf("Prepare = %v, want a *PrepareError", err)
			}
			msg := err.Error()
			t.Logf("error: %s", msg)
			for _, want := range []string{"Harbor project newproject on " + reg.Host, "does not exist", tt.user + " may not create it", tt.wantPermission} {
				if !strings.Contains(msg, want) {
					t.Errorf("error does not say %q", want)
				}
			}
			if prepErr.Account != tt.user || strings.Contains(msg, "\n") || strings.Contains(msg, tt.pass) {
				t.Errorf("account %q, message %q: want the account named, one line, no password", prepErr.Account, msg)
			}
			if _, ok := h.Project("newproject"); ok {
				t.Error("project created")
			}
		})
	}
}

// TestHarborAuthErrors: wrong or missing credentials on Harbor's API are
// *AuthErrors, the missing ones saying where credentials were looked for.
func TestHarborAuthErrors(t *testing.T) {
	t.Parallel()
	_, reg := newHarbor(t)
	tests := []struct {
		name        string
		client      func(t *testing.T) *Client
		wantMissing bool
	}{
		{name: "wrong password", client: func(t *testing.T) *Client {
			return harborClient(t, reg.Host, harborAdmin, "wrong-Password", Options{})
		}},
		{name: "no credentials", client: func(t *testing.T) *Client { return newTestClient(t, Options{}) }, wantMissing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.client(t).Prepare(context.Background(), reg.Host, "mirror/app")
			var authErr *AuthError
			if !errors.As(err, &authErr) || authErr.Registry != reg.Host {
				t.Fatalf("Prepare = %v, want an *AuthError for %s", err, reg.Host)
			}
			if got := errors.Is(err, auth.ErrBasicCredentialNotFound); got != tt.wantMissing {
				t.Errorf("ErrBasicCredentialNotFound: %t, want %t (%v)", got, tt.wantMissing, err)
			}
			if strings.Contains(err.Error(), "wrong-Password") {
				t.Errorf("error shows the password: %v", err)
			}
			t.Logf("error: %v", err)
		})
	}
}

// TestHarborPlanPrepare: a dry run names the projects it would create,
// asking once per project.
func TestHarborPlanPrepare(t *testing.T) {
	t.Parallel()
	h, reg := newHarbor(t)
	h.AddProject("there")
	c := harborClient(t, reg.Host, harborAdmin, harborAdminPass, Options{})
	ctx := context.Background()
	tests := []struct{ repo, want, wantErr string }{
		{repo: "mirror/a", want: "create Harbor project mirror on " + reg.Host},
		{repo: "mirror/b/c", want: "create Harbor project mirror on " + reg.Host},
		{repo: "there/a", want: ""},
		{repo: "noproject", wantErr: "a Harbor repository is PROJECT/NAME"},
	}
	for _, tt := range tests {
		got, err := c.PlanPrepare(ctx, reg.Host, tt.repo)
		if got != tt.want || (err != nil) != (tt.wantErr != "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("PlanPrepare(%s) = %q, %v; want %q, %q", tt.repo, got, err, tt.want, tt.wantErr)
		}
	}
	if n := h.Count(http.MethodHead, "/api/v2.0/projects", 0); n != 2 {
		t.Errorf("%d HEAD /api/v2.0/projects, want 2 (one per project)", n)
	}
	if _, ok := h.Project("mirror"); ok || h.Count(http.MethodPost, "/api/v2.0/projects", 0) != 0 {
		t.Error("a dry run created a project")
	}
}
