package copyjob

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airlift-cli/airlift/internal/testregistry"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/registry"
)

// Accounts of the Harbor stand-in.
const (
	harborAdmin, harborAdminPass = "admin", "Harbor12345-admin-pw"
	harborRobot, harborRobotPass = "robot$mirror-ci", "r0bot-Secret-pw" // a project robot: cannot create projects
)

// harborEnv is runEnv's source behind a counting proxy, and a Harbor
// stand-in as the target, behind one too.
type harborEnv struct {
	*runEnv
	src    *testregistry.Proxy
	harbor *testregistry.Harbor
	dst    *testregistry.Proxy
}

func newHarborEnv(t *testing.T) *harborEnv {
	t.Helper()
	e := &harborEnv{runEnv: newRunEnv(t)}
	e.src = testregistry.NewProxy(t, e.runEnv.src)
	e.harbor = testregistry.NewHarbor(
		testregistry.HarborAccount{Name: harborAdmin, Password: harborAdminPass, Admin: true},
		testregistry.HarborAccount{Name: harborRobot, Password: harborRobotPass, Robot: true, Push: []string{"mirror"}},
	)
	e.dst = testregistry.NewProxy(t, testregistry.StartHarbor(t, e.harbor))
	return e
}

// request copies the images (repository:tag of the source) to
// <harbor>/mirror as user.
func (e *harborEnv) request(t *testing.T, user, pass string, images ...string) Request {
	t.Helper()
	m, err := reference.ParseDestination(e.dst.Host+"/mirror", reference.KeepPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "config.json")
	creds := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	if err := os.WriteFile(cfg, fmt.Appendf(nil, `{"auths": {%q: {"auth": %q}}}`, e.dst.Host, creds), 0o600); err != nil {
		t.Fatal(err)
	}
	client, err := registry.New(registry.Options{DockerConfig: cfg, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Mapping: m, Registry: client}
	for _, img := range images {
		req.Images = append(req.Images, e.src.Host+"/"+img)
	}
	return req
}

// written reports the requests that wrote to the target's registry (not
// the pre-flight's probe, which only starts an upload).
func written(p *testregistry.Proxy) []testregistry.Request {
	var out []testregistry.Request
	for _, r := range p.Requests() {
		if r.Method == http.MethodPut || r.Method == http.MethodPatch {
			out = append(out, r)
		}
	}
	return out
}

var harborImages = []string{"team/api:1.0", "team/worker:1.0", "library/tool:2"}

// TestRunHarbor: a dry run names the project it would create and plans
// every image; the copy creates it and copies; a no-op re-run costs one
// request per image plus the pre-flight's, counted here.
func TestRunHarbor(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := context.Background()
	project := "Harbor project mirror on " + e.dst.Host

	t.Run("dry run", func(t *testing.T) {
		rep, err := Run(ctx, func() Request {
			r := e.request(t, harborAdmin, harborAdminPass, harborImages...)
			r.DryRun = true
			return r
		}())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rep.Prepare, []string{"create " + project}) {
			t.Errorf("Prepare = %q, want the project once", rep.Prepare)
		}
		for _, r := range rep.Results {
			if r.Status != mirror.Copied {
				t.Errorf("%s: %v (%v), want would-copy", r.Image, r.Status, r.Err)
			}
		}
		if _, ok := e.harbor.Project("mirror"); ok || len(written(e.dst)) > 0 {
			t.Error("the dry run wrote to the target")
		}
	})

	t.Run("copy", func(t *testing.T) {
		rep, err := Run(ctx, e.request(t, harborAdmin, harborAdminPass, harborImages...))
		if err != nil {
			t.Fatal(err)
		}
		if sum := rep.Summary(); sum.Copied != 3 {
			t.Errorf("summary %+v, want 3 copied", sum)
		}
		if !slices.Equal(rep.Created, []string{project}) {
			t.Errorf("Created = %q, want the project", rep.Created)
		}
		if n := e.harbor.Count(http.MethodPost, "/api/v2.0/projects", http.StatusCreated); n != 1 {
			t.Errorf("%d projects created, want 1", n)
		}
	})

	// The no-op re-run: one HEAD per image and nothing else, with or
	// without the pre-flight, which starts only when an image needs to
	// write. The concurrent first requests each meet the basic-auth
	// challenge until one answer has taught the client the scheme.
	n := len(harborImages)
	tests := []struct {
		name        string
		skip        bool
		least, most int
	}{
		{name: "no-op re-run", least: n + 1, most: 2 * n},
		{name: "no-op re-run without pre-flight", skip: true, least: n + 1, most: 2 * n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.dst.ResetCounts()
			req := e.request(t, harborAdmin, harborAdminPass, harborImages...)
			req.SkipPreflight = tt.skip
			rep, err := Run(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if sum := rep.Summary(); sum.Present != 3 {
				t.Errorf("summary %+v, want 3 present", sum)
			}
			var lines []string
			for _, r := range e.dst.Requests() {
				lines = append(lines, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
			}
			t.Logf("%d requests to the target for %d present images:\n%s", len(lines), len(harborImages), strings.Join(lines, "\n"))
			if len(lines) < tt.least || len(lines) > tt.most {
				t.Errorf("%d requests, want %d to %d", len(lines), tt.least, tt.most)
			}
		})
	}
}

// TestRunPreflightStops: problems the pre-flight finds stop the copy
// before any blob is read from the source (the images' manifests are
// looked up meanwhile) and before anything is written, each named once.
func TestRunPreflightStops(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, user, pass string
		want             string
		wantType         any
	}{
		{name: "robot account without permission", user: harborRobot, pass: harborRobotPass,
			want: "Harbor project mirror on 127.0.0.1", wantType: new(*registry.PrepareError)},
		{name: "wrong password", user: harborAdmin, pass: "wrong-Password",
			want: "authentication to 127.0.0.1", wantType: new(*registry.AuthError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newHarborEnv(t)
			start := time.Now()
			rep, err := Run(context.Background(), e.request(t, tt.user, tt.pass, harborImages...))
			elapsed := time.Since(start)
			var pf *registry.PreflightError
			if !errors.As(err, &pf) || rep != nil {
				t.Fatalf("Run = %v, %v; want no report and a *PreflightError", rep, err)
			}
			if len(pf.Problems) != 1 || !strings.Contains(pf.Problems[0].Error(), tt.want) || !errors.As(pf.Problems[0], tt.wantType) {
				t.Fatalf("problems %v, want one %T saying %q", pf.Problems, tt.wantType, tt.want)
			}
			t.Logf("%s: %v", elapsed.Round(time.Millisecond), pf.Problems[0])
			if elapsed > time.Second {
				t.Errorf("the pre-flight took %s", elapsed)
			}
			for _, r := range e.src.Requests() {
				if strings.Contains(r.Path, "/blobs/") {
					t.Errorf("a blob was read from the source: %s %s", r.Method, r.Path)
				}
			}
			if w := written(e.dst); len(w) > 0 {
				t.Errorf("the target was written to: %v", w)
			}
		})
	}
}
