package serve

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
	"github.com/airlift-cli/airlift/pkg/bundle"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/registry"
)

// archive packs a signed image with an SBOM and returns the archive.
func archive(t *testing.T) (*bundle.Archive, testimage.Image, string) {
	t.Helper()
	ctx := context.Background()
	src := testregistry.Start(t)
	img, err := testimage.Push(ctx, src.Host, testimage.Spec{Repository: "team/app", Tag: "1.0", Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testimage.Sign(ctx, src.Host, "team/app", img.Index); err != nil {
		t.Fatal(err)
	}
	if _, err := testimage.Refer(ctx, src.Host, "team/app", img.Manifests[0], "application/vnd.example.sbom"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "a.tar")
	c, _ := registry.New(registry.Options{DockerConfig: filepath.Join(t.TempDir(), "none.json")})
	if _, err := bundle.Pack(ctx, bundle.PackRequest{Images: []string{src.Host + "/team/app:1.0"}, Output: out, Registry: c}); err != nil {
		t.Fatal(err)
	}
	a, err := bundle.Open(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, img, src.Host + "/team/app"
}

func client(t *testing.T, o registry.Options) *registry.Client {
	t.Helper()
	if o.DockerConfig == "" {
		o.DockerConfig = filepath.Join(t.TempDir(), "none.json")
	}
	o.MaxAttempts = 1
	c, err := registry.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestServeArchive: an archive served in place is pulled like any
// registry: the index by tag and digest, every platform, the signature by
// its cosign tag and the SBOM through the referrers tag schema; pushes
// are refused.
func TestServeArchive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, img, name := archive(t)
	s, err := Start(ctx, Options{Addr: "127.0.0.1:0", Archive: a.Layout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	dst := testregistry.Start(t)
	c := client(t, registry.Options{})
	name = strings.ReplaceAll(name, ":", "_") // as a keep-host copy names it
	pair := reference.Pair{Source: reference.Reference{Registry: s.Addr, Repository: name, Tag: "1.0"},
		Target: reference.Reference{Registry: dst.Host, Repository: "copy/team/app", Tag: "1.0"}}
	res, err := mirror.Copy(ctx, []reference.Pair{pair}, mirror.Options{Repository: func(ctx context.Context, reg, repo string) (mirror.Repo, error) {
		return c.Repository(ctx, reg, repo)
	}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("pulling from the served archive: %v %v", err, res[0].Err)
	}
	if res[0].SourceDigest != img.Index.Digest || res[0].Referrers != 2 {
		t.Errorf("digest %s (want %s), %d signatures and SBOMs (want 2)", res[0].SourceDigest, img.Index.Digest, res[0].Referrers)
	}
	repo, _ := c.Repository(ctx, s.Addr, name)
	if d, err := repo.Resolve(ctx, img.Index.Digest.String()); err != nil || d.Digest != img.Index.Digest {
		t.Errorf("by digest: %v", err)
	}
	if err := repo.Tag(ctx, img.Index, "2.0"); err == nil {
		t.Error("a push to the served archive succeeded")
	}
	// The catalog lists the repository, with and without a page size
	// (crane catalog asks for n=1000).
	for _, q := range []string{"", "?n=1000"} {
		resp, err := http.Get("http://" + s.Addr + "/v2/_catalog" + q)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), name) {
			t.Errorf("catalog%s: %d %s, want %s listed", q, resp.StatusCode, body, name)
		}
	}
}

// TestServeDirWithAuthAndTLS: a read-write registry in a directory, over
// TLS with a private CA, with htpasswd auth: a push without credentials is
// refused, with them accepted.
func TestServeDirWithAuthAndTLS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	certFile, keyFile, caFile := testregistry.LocalCertificate(t, "127.0.0.1")
	hash, _ := bcrypt.GenerateFromPassword([]byte("s3rve-pass"), bcrypt.MinCost)
	htpasswd := filepath.Join(dir, "htpasswd")
	os.WriteFile(htpasswd, []byte("robot:"+string(hash)+"\n"), 0o600)
	s, err := Start(ctx, Options{Addr: "127.0.0.1:0", Dir: filepath.Join(dir, "storage"), CertFile: certFile, KeyFile: keyFile, Htpasswd: htpasswd})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	src := testregistry.Start(t)
	if _, err := testimage.Push(ctx, src.Host, testimage.Spec{Repository: "a/b", Tag: "1", Seed: 6}); err != nil {
		t.Fatal(err)
	}
	copyTo := func(c *registry.Client) error {
		pair := reference.Pair{Source: reference.Reference{Registry: src.Host, Repository: "a/b", Tag: "1"}, Target: reference.Reference{Registry: s.Addr, Repository: "a/b", Tag: "1"}}
		res, err := mirror.Copy(ctx, []reference.Pair{pair}, mirror.Options{Repository: func(ctx context.Context, reg, repo string) (mirror.Repo, error) {
			return c.Repository(ctx, reg, repo)
		}})
		if err != nil {
			return err
		}
		return res[0].Err
	}
	tlsOpts := registry.Options{TLSLoopback: true, PlainHTTP: []string{src.Host}, CAFiles: []string{caFile}}
	var authErr *registry.AuthError
	if err := copyTo(client(t, tlsOpts)); !errors.As(err, &authErr) {
		t.Errorf("push without credentials: %v, want an AuthError", err)
	}
	tlsOpts.Logins = []registry.Login{{Host: s.Addr, Username: "robot", Password: "s3rve-pass"}}
	if err := copyTo(client(t, tlsOpts)); err != nil {
		t.Errorf("push with credentials: %v", err)
	}
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") || !s.TLS {
		t.Errorf("server %+v", s)
	}
}
