package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
)

// corpus is a small application: two multi-arch OCI images sharing a base
// layer (in different repositories, so the base is mounted), a Docker
// manifest list, a cosign signature and an SBOM referrer.
func corpus(t *testing.T, host string) (refs []string, imgs []testimage.Image) {
	t.Helper()
	base := testimage.Layer(99, 256<<10)
	imgs = pushImages(t, host,
		testimage.Spec{Repository: "team/api", Tag: "1.0", Shared: [][]byte{base}, Seed: 1},
		testimage.Spec{Repository: "team/worker", Tag: "1.0", Shared: [][]byte{base}, Seed: 2},
		testimage.Spec{Repository: "library/tool", Tag: "2", Docker: true, Platforms: []string{"linux/amd64", "linux/arm/v7"}, Seed: 3},
	)
	ctx := context.Background()
	if _, err := testimage.Sign(ctx, host, "team/api", imgs[0].Index); err != nil {
		t.Fatal(err)
	}
	if _, err := testimage.Refer(ctx, host, "team/api", imgs[0].Manifests[1], "application/spdx+json"); err != nil {
		t.Fatal(err)
	}
	return []string{host + "/team/api:1.0", host + "/team/worker:1.0", host + "/library/tool:2"}, imgs
}

func TestCopy(t *testing.T) {
	t.Parallel()
	src := testregistry.StartProcess(t)
	dstReg := testregistry.StartProcess(t)
	dst := testregistry.NewProxy(t, dstReg)
	refs, imgs := corpus(t, src.Host)
	lock := filepath.Join(t.TempDir(), "images.lock")

	// Dry run: the plan, nothing written.
	r := airlift(t, nil, "copy", "--images", writeList(t, refs...), "--to", dst.Host+"/mirror", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "copy    "+src.Host+"/team/api:1.0 to "+dst.Host+"/mirror/team/api:1.0\n") {
		t.Fatalf("dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, req := range dst.Requests() {
		if req.Method != http.MethodHead && req.Method != http.MethodGet {
			t.Fatalf("dry-run wrote to the target: %+v", req)
		}
	}

	// Full copy.
	dst.ResetCounts()
	r = airlift(t, nil, "copy", "--images", writeList(t, refs...), "--to", dst.Host+"/mirror", "--lock", lock)
	if r.code != 0 {
		t.Fatalf("copy: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("copy: %s", strings.TrimSpace(r.stderr[strings.LastIndex(strings.TrimSpace(r.stderr), "\n")+1:]))
	for i, repo := range []string{"team/api", "team/worker", "library/tool"} {
		tag := strings.SplitN(refs[i], ":", 3)[2]
		if got, want := digestOf(t, dstReg.Host, "mirror/"+repo, tag), imgs[i].Index.Digest.String(); got != want {
			t.Errorf("%s: target digest %s, source %s", repo, got, want)
		}
		m, b := checkComplete(t, dstReg.Host, "mirror/"+repo, tag)
		t.Logf("%s: %d manifests, %d blobs verified in the target", repo, m, b)
	}
	// The first copy ran the pre-flight: is it a Harbor (404), an upload
	// started under the one prefix and cancelled.
	var preflight []string
	for _, req := range dst.Requests() {
		switch {
		case req.Method == http.MethodGet && req.Path == "/api/v2.0/systeminfo":
			preflight = append(preflight, fmt.Sprintf("GET %s %d", req.Path, req.Status))
		case req.Method == http.MethodDelete && strings.Contains(req.Path, "/blobs/uploads/"):
			preflight = append(preflight, fmt.Sprintf("DELETE %d", req.Status))
		}
	}
	if slices.Sort(preflight); !slices.Equal(preflight, []string{"DELETE 204", "GET /api/v2.0/systeminfo 404"}) {
		t.Errorf("first copy: pre-flight requests %q, want its systeminfo question and a cancelled upload", preflight)
	}
	// Signature tag and referrer came along.
	sigTag := "sha256-" + imgs[0].Index.Digest.Encoded() + ".sig"
	if digestOf(t, dstReg.Host, "mirror/team/api", sigTag) == "" {
		t.Errorf("cosign signature tag %s not copied", sigTag)
	}
	code, body, _ := fetch(t, http.MethodGet, "http://"+dstReg.Host+"/v2/mirror/team/api/referrers/"+imgs[0].Manifests[1].Digest.String())
	fallback := digestOf(t, dstReg.Host, "mirror/team/api", "sha256-"+imgs[0].Manifests[1].Digest.Encoded())
	if !(code == http.StatusOK && strings.Contains(string(body), "application/spdx+json")) && fallback == "" {
		t.Errorf("referrer of the arm64 manifest not in the target (referrers API %d, fallback tag %q)", code, fallback)
	}
	// The shared base layer went over the wire once and was mounted once.
	var mounts int
	for _, req := range dst.Requests() {
		if req.Method == http.MethodPost && strings.Contains(req.Query, "mount=") && req.Status == http.StatusCreated {
			mounts++
		}
	}
	if mounts == 0 {
		t.Errorf("no blob mounted across repositories")
	}
	// The lock names every image with its digest.
	b, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	for i, ref := range refs {
		if !strings.Contains(string(b), "source: "+ref) || !strings.Contains(string(b), imgs[i].Index.Digest.String()) {
			t.Errorf("lock lacks %s:\n%s", ref, b)
		}
	}

	// No-op re-run: one request to the target per image and nothing else:
	// the pre-flight starts only when an image needs to write (the first
	// copy's was checked above).
	for _, tt := range []struct {
		name      string
		args      []string
		preflight []string
	}{
		{name: "no-op re-run"},
		{name: "no-op re-run, --skip-preflight", args: []string{"--skip-preflight"}},
	} {
		dst.ResetCounts()
		r = airlift(t, nil, append([]string{"copy", "--images", writeList(t, refs...), "--to", dst.Host + "/mirror", "-o", "json"}, tt.args...)...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", tt.name, r.code, r.stderr)
		}
		var doc struct {
			Summary struct{ Present int }
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Summary.Present != len(refs) {
			t.Errorf("%s: %v\n%s", tt.name, err, r.stdout)
		}
		var heads, other []string
		for _, req := range dst.Requests() {
			switch {
			case req.Method == http.MethodHead && strings.Contains(req.Path, "/manifests/"):
				heads = append(heads, req.Path)
			case req.Method == http.MethodDelete:
				other = append(other, fmt.Sprintf("DELETE %d", req.Status))
			default:
				other = append(other, fmt.Sprintf("%s %s %d", req.Method, req.Path, req.Status))
			}
		}
		slices.Sort(other)
		if len(heads) != len(refs) || !slices.Equal(other, tt.preflight) {
			t.Errorf("%s: %d manifest HEADs (want %d) and %q (want %q)", tt.name, len(heads), len(refs), other, tt.preflight)
		}
		t.Logf("%s: %d requests to the target for %d present images", tt.name, len(dst.Requests()), len(refs))
	}
}

func TestCopyPlatformFilter(t *testing.T) {
	t.Parallel()
	src := testregistry.StartProcess(t)
	dst := testregistry.StartProcess(t)
	refs, imgs := corpus(t, src.Host)
	r := airlift(t, nil, "copy", refs[0], "--to", dst.Host, "--platform", "linux/arm64", "--skip-signatures")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "digest changed") {
		t.Errorf("summary does not say the digest changed:\n%s", r.stderr)
	}
	got := digestOf(t, dst.Host, "team/api", "1.0")
	if got == "" || got == imgs[0].Index.Digest.String() {
		t.Errorf("filtered index digest %q, source %s", got, imgs[0].Index.Digest)
	}
	_, body, _ := fetch(t, http.MethodGet, "http://"+dst.Host+"/v2/team/api/manifests/1.0")
	if strings.Count(string(body), `"platform"`) != 1 || !strings.Contains(string(body), "arm64") {
		t.Errorf("filtered index: %s", body)
	}
	checkComplete(t, dst.Host, "team/api", "1.0")
	if digestOf(t, dst.Host, "team/api", "sha256-"+imgs[0].Index.Digest.Encoded()+".sig") != "" {
		t.Errorf("--skip-signatures copied the signature")
	}
}

// TestCopyFaults: 503s, 429s with Retry-After, connection resets and
// truncated bodies (blob GETs from the source, blob PUTs to the target):
// the copy completes and every digest verifies.
func TestCopyFaults(t *testing.T) {
	t.Parallel()
	srcReg := testregistry.StartProcess(t)
	dstReg := testregistry.StartProcess(t)
	refs, imgs := corpus(t, srcReg.Host)
	src := testregistry.NewProxy(t, srcReg)
	dst := testregistry.NewProxy(t, dstReg)
	src.SetFault(func(r *http.Request, n int) testregistry.Action {
		switch {
		case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") && n == 1:
			return testregistry.TruncateResponse
		case r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/manifests/") && n == 1:
			return testregistry.Reset
		}
		return testregistry.Forward
	})
	dst.SetFault(func(r *http.Request, n int) testregistry.Action {
		switch {
		case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") && n == 1:
			return testregistry.TruncateUpload
		case r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/blobs/uploads/") && n == 1:
			return testregistry.Status503
		case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") && n == 1:
			return testregistry.Status429
		}
		return testregistry.Forward
	})
	var srcRefs []string
	for _, ref := range refs {
		srcRefs = append(srcRefs, strings.Replace(ref, srcReg.Host, src.Host, 1))
	}
	r := airlift(t, nil, "copy", "--images", writeList(t, srcRefs...), "--to", dst.Host)
	if r.code != 0 {
		t.Fatalf("copy under faults: exit %d\n%s", r.code, r.stderr)
	}
	var faults int
	for _, p := range []*testregistry.Proxy{src, dst} {
		for _, req := range p.Requests() {
			if req.Status == 0 || req.Status >= 500 || req.Status == 429 {
				faults++
			}
		}
	}
	t.Logf("%d faults injected; retries seen: %d lines", faults, strings.Count(r.stderr, "retrying"))
	for i, repo := range []string{"team/api", "team/worker", "library/tool"} {
		tag := strings.SplitN(refs[i], ":", 3)[2]
		if got := digestOf(t, dstReg.Host, repo, tag); got != imgs[i].Index.Digest.String() {
			t.Errorf("%s: digest %s, want %s", repo, got, imgs[i].Index.Digest)
		}
		checkComplete(t, dstReg.Host, repo, tag)
	}
}

func TestCopyBadInput(t *testing.T) {
	t.Parallel()
	src := testregistry.StartProcess(t)
	dst := testregistry.StartProcess(t)
	refs, _ := corpus(t, src.Host)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // substrings of stderr
		copied   string   // repository that must have been copied all the same
	}{
		{"unparseable reference in the list", []string{"--images", writeList(t, refs[0], "Not/A:Ref")}, 1, []string{`images.txt:2: invalid image reference "Not/A:Ref"`}, ""},
		{"missing tag, unknown host: the others are copied", []string{"--images", writeList(t, refs[0], src.Host+"/team/api:9.9", "registry.invalid/x/y:1")}, 1,
			[]string{"team/api:9.9", "registry.invalid", "2 of 3 images failed"}, "team/api"},
		{"duplicate mapping", []string{"--images", writeList(t, refs[0], src.Host+"/other/api:1.0"), "--flatten"}, 1, []string{"both map to " + dst.Host + "/api:1.0"}, ""},
		{"no destination", []string{refs[0]}, 2, []string{"--to REGISTRY[/PREFIX] is required"}, ""},
		{"bad destination", []string{refs[0], "--to", "https://x"}, 2, []string{"--to: invalid image reference"}, ""},
		{"bad shard", []string{refs[0], "--to", dst.Host, "--shard", "5/4"}, 2, []string{`invalid shard "5/4"`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"copy"}, tt.args...)
			if !strings.Contains(strings.Join(tt.args, " "), "--to") {
				if tt.wantCode != 2 {
					args = append(args, "--to", dst.Host)
				}
			}
			r := airlift(t, nil, args...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d\n%s", r.code, tt.wantCode, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			for _, bad := range []string{"goroutine ", "panic:"} {
				if strings.Contains(r.stderr, bad) {
					t.Errorf("stderr has %q", bad)
				}
			}
			if tt.copied != "" && digestOf(t, dst.Host, tt.copied, "1.0") == "" {
				t.Errorf("%s was not copied although only other images failed", tt.copied)
			}
		})
	}
}

// TestCopyCredentials: credentials come from the docker config, a wrong
// password is one clear line, and no password is ever printed.
func TestCopyCredentials(t *testing.T) {
	t.Parallel()
	const user, pass = "mirror", "pa55-w0rd-s3cret"
	src := testregistry.StartProcess(t)
	dst := testregistry.StartProcess(t, testregistry.WithBasicAuth(user, pass))
	refs, _ := corpus(t, src.Host)
	config := func(pw string) []string {
		dir := t.TempDir()
		auth := b64(user + ":" + pw)
		cfg := `{"auths": {"` + dst.Host + `": {"auth": "` + auth + `"}}}`
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return []string{"--docker-config", filepath.Join(dir, "config.json")}
	}
	r := airlift(t, nil, append([]string{"copy", refs[0], "--to", dst.Host, "--debug"}, config("wrong-"+pass)...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "authentication") {
		t.Errorf("wrong password: exit %d\n%s", r.code, r.stderr)
	}
	r2 := airlift(t, nil, append([]string{"copy", refs[0], "--to", dst.Host, "--debug"}, config(pass)...)...)
	if r2.code != 0 {
		t.Errorf("right password: exit %d\n%s", r2.code, r2.stderr)
	}
	for _, out := range []string{r.stdout, r.stderr, r2.stdout, r2.stderr} {
		if strings.Contains(out, pass) || strings.Contains(out, b64(user+":"+pass)) {
			t.Fatalf("a credential was printed:\n%s", out)
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
