// Package e2e runs the airlift binary against real registries: the Debian
// docker-registry server as separate processes, behind counting and
// fault-injecting proxies. Every check of what landed in a registry is
// made with plain HTTP requests, independently of airlift's own client.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlift-cli/airlift/internal/testimage"
)

var airliftBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "airlift-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	airliftBin = filepath.Join(dir, "airlift")
	build := exec.Command("go", "build", "-o", airliftBin, "../../cmd/airlift")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building airlift: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var trackOnce sync.Once

// trackSources opens every Go source and module file of the repository.
// The binary is built by a subprocess, whose reads Go's test cache does not
// see; files a test itself opens are part of the cache key, so a change
// anywhere in airlift re-runs these tests instead of reusing a cached pass.
// (Called from a test: in TestMain the test log is not active yet.)
func trackSources(root string) {
	_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || path == filepath.Join(root, "bench")):
			return filepath.SkipDir
		case strings.HasSuffix(path, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum":
			if f, err := os.Open(path); err == nil {
				_, _ = io.Copy(io.Discard, f)
				f.Close()
			}
		}
		return nil
	})
}

// result of one airlift run.
type result struct {
	code           int
	stdout, stderr string
}

// airlift runs the binary with a clean home (no docker config of the
// machine) and returns its exit code and output.
func airlift(t *testing.T, env []string, args ...string) result {
	t.Helper()
	trackOnce.Do(func() { trackSources("../..") })
	cmd := exec.Command(airliftBin, args...)
	home := t.TempDir()
	cmd.Env = append([]string{"HOME=" + home, "DOCKER_CONFIG=" + filepath.Join(home, ".docker"), "PATH=" + os.Getenv("PATH")}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errOut.String()}
}

func writeList(t *testing.T, refs ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "images.txt")
	if err := os.WriteFile(p, []byte(strings.Join(refs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fetch GETs a manifest or HEADs a blob with plain HTTP.
func fetch(t *testing.T, method, url string) (int, []byte, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("Accept", strings.Join([]string{ocispec.MediaTypeImageIndex, ocispec.MediaTypeImageManifest, testimage.DockerManifestList, testimage.DockerManifest}, ", "))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("Docker-Content-Digest")
}

// checkComplete verifies, with plain HTTP, that the manifest at
// host/repo:ref and everything under it is in the registry, byte for byte
// as in the source. It returns the number of manifests and blobs checked.
func checkComplete(t *testing.T, host, repo, ref string) (manifests, blobs int) {
	t.Helper()
	code, body, _ := fetch(t, http.MethodGet, "http://"+host+"/v2/"+repo+"/manifests/"+ref)
	if code != http.StatusOK {
		t.Errorf("%s/%s:%s: manifest %d", host, repo, ref, code)
		return 0, 0
	}
	manifests++
	var m struct {
		Manifests []ocispec.Descriptor `json:"manifests"`
		Config    *ocispec.Descriptor  `json:"config"`
		Layers    []ocispec.Descriptor `json:"layers"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s/%s:%s: %v", host, repo, ref, err)
	}
	for _, c := range m.Manifests {
		cm, cb := checkComplete(t, host, repo, c.Digest.String())
		manifests += cm
		blobs += cb
	}
	if m.Config != nil {
		m.Layers = append(m.Layers, *m.Config)
	}
	for _, l := range m.Layers {
		if code, _, _ := fetch(t, http.MethodHead, "http://"+host+"/v2/"+repo+"/blobs/"+l.Digest.String()); code != http.StatusOK {
			t.Errorf("%s/%s@%s: blob %s missing (%d)", host, repo, ref, l.Digest, code)
		}
		blobs++
	}
	return manifests, blobs
}

// digestOf resolves host/repo:tag with a plain HEAD.
func digestOf(t *testing.T, host, repo, tag string) string {
	t.Helper()
	code, _, d := fetch(t, http.MethodHead, "http://"+host+"/v2/"+repo+"/manifests/"+tag)
	if code != http.StatusOK {
		return ""
	}
	return d
}

func pushImages(t *testing.T, host string, specs ...testimage.Spec) []testimage.Image {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out []testimage.Image
	for _, s := range specs {
		img, err := testimage.Push(ctx, host, s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, img)
	}
	return out
}
