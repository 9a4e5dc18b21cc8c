package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airlift-cli/airlift/internal/testregistry"
)

// TestCopyHarbor runs the binary against the Harbor stand-in in front of
// a docker-registry process (Harbor refuses pushes into projects that do
// not exist): a dry run names the project it would create; a robot account
// that may not create it, and a wrong password, are one line each from the
// pre-flight, with nothing read from the source and nothing written; the
// administrator's copy creates the project with the options given; the
// no-op re-run costs one request per image (the pre-flight starts only when
// an image needs to write).
func TestCopyHarbor(t *testing.T) {
	t.Parallel()
	const (
		admin, adminPass = "admin", "Harbor12345-e2e"
		robot, robotPass = "robot$mirror-ci", "r0bot-e2e-Secret"
	)
	srcReg := testregistry.StartProcess(t)
	refs, imgs := corpus(t, srcReg.Host)
	src := testregistry.NewProxy(t, srcReg)
	for i := range refs {
		refs[i] = src.Host + strings.TrimPrefix(refs[i], srcReg.Host)
	}
	backend := testregistry.StartProcess(t)
	harbor := testregistry.NewHarbor(
		testregistry.HarborAccount{Name: admin, Password: adminPass, Admin: true},
		testregistry.HarborAccount{Name: robot, Password: robotPass, Robot: true, Push: []string{"mirror"}},
	)
	dst := testregistry.NewProxy(t, harbor.Front(t, backend))
	config := func(user, pass string) string {
		path := filepath.Join(t.TempDir(), "config.json")
		cfg := `{"auths": {"` + dst.Host + `": {"auth": "` + b64(user+":"+pass) + `"}}}`
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	project := "Harbor project mirror on " + dst.Host
	copyArgs := func(user, pass string, more ...string) []string {
		return append([]string{"copy", "--images", writeList(t, refs...), "--to", dst.Host + "/mirror",
			"--docker-config", config(user, pass), "--no-progress", "--blob-index", ""}, more...)
	}
	wrote := func() bool {
		for _, r := range dst.Requests() {
			if r.Method == http.MethodPut || r.Method == http.MethodPatch {
				return true
			}
		}
		return false
	}

	r := airlift(t, nil, copyArgs(admin, adminPass, "--dry-run")...)
	if r.code != 0 || !strings.Contains(r.stdout, "create "+project+"\n") ||
		!strings.Contains(r.stdout, "copy    "+refs[0]+" to "+dst.Host+"/mirror/team/api:1.0\n") {
		t.Fatalf("dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, ok := harbor.Project("mirror"); ok || wrote() {
		t.Fatal("the dry run created the project or wrote to the target")
	}

	for _, tt := range []struct {
		name, user, pass string
		want             string
	}{
		{name: "robot account without permission", user: robot, pass: robotPass,
			want: "airlift: pre-flight: " + project + " does not exist and " + robot + " may not create it"},
		{name: "wrong password", user: admin, pass: "wrong-" + adminPass,
			want: "airlift: pre-flight: authentication to " + dst.Host + " failed"},
	} {
		src.ResetCounts()
		dst.ResetCounts()
		start := time.Now()
		r := airlift(t, nil, copyArgs(tt.user, tt.pass)...)
		elapsed := time.Since(start)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 1 || len(lines) != 2 || !strings.HasPrefix(lines[0], tt.want) ||
			lines[1] != "airlift: nothing copied: the pre-flight found 1 problem (--skip-preflight copies without it)" {
			t.Errorf("%s: exit %d, want 1 and two lines, the first %q:\n%s", tt.name, r.code, tt.want, r.stderr)
		}
		if strings.Contains(r.stderr, tt.pass) {
			t.Errorf("%s: the password was printed", tt.name)
		}
		blobs := 0 // the manifests are looked up while the pre-flight runs
		for _, req := range src.Requests() {
			if strings.Contains(req.Path, "/blobs/") {
				blobs++
			}
		}
		if blobs != 0 || wrote() {
			t.Errorf("%s: %d blobs read from the source, target written: %t; want nothing read or copied", tt.name, blobs, wrote())
		}
		t.Logf("%s (%s, the whole run): %s", tt.name, elapsed.Round(time.Millisecond), lines[0])
	}

	r = airlift(t, nil, copyArgs(admin, adminPass, "--harbor-auto-scan", "--harbor-storage-limit", "5GiB")...)
	if r.code != 0 || !strings.Contains(r.stderr, "created "+project+"\n") {
		t.Fatalf("copy: exit %d\n%s", r.code, r.stderr)
	}
	p, ok := harbor.Project("mirror")
	if !ok || p.Metadata["auto_scan"] != "true" || p.Metadata["public"] != "false" || p.StorageLimit == nil || *p.StorageLimit != 5<<30 {
		t.Errorf("project %+v, want private, auto-scan, 5 GiB", p)
	}
	for i, repo := range []string{"team/api", "team/worker", "library/tool"} {
		tag := strings.SplitN(refs[i], ":", 3)[2]
		if got := digestOf(t, backend.Host, "mirror/"+repo, tag); got != imgs[i].Index.Digest.String() {
			t.Errorf("%s: target digest %q, source %s", repo, got, imgs[i].Index.Digest)
		}
		checkComplete(t, backend.Host, "mirror/"+repo, tag)
	}

	dst.ResetCounts()
	r = airlift(t, nil, copyArgs(admin, adminPass)...)
	if r.code != 0 || !strings.Contains(r.stderr, "3 images: 0 copied, 3 already present") {
		t.Fatalf("re-run: exit %d\n%s", r.code, r.stderr)
	}
	// One HEAD per image and no pre-flight (nothing to write); the
	// concurrent first requests each meet the basic-auth challenge until
	// the scheme is known.
	var got []string
	for _, req := range dst.Requests() {
		got = append(got, req.Method+" "+req.Path)
	}
	if least, most := len(refs)+1, 2*len(refs); len(got) < least || len(got) > most {
		t.Errorf("no-op re-run: %d requests to the target, want %d to %d:\n%s", len(got), least, most, strings.Join(got, "\n"))
	}
	t.Logf("no-op re-run: %d requests to the target for %d present images", len(got), len(refs))
}
