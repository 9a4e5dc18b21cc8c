package chart_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/crypto/bcrypt"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/repo/v1/repotest"
	"oras.land/oras-go/v2/content"

	"github.com/airlift-cli/airlift/internal/testregistry"
	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/registry"
)

// newOCIServer starts Helm's in-process test registry (CNCF distribution with
// htpasswd auth) and pushes testdata/charts/dep under every depVersions
// version to <registry>/charts/dep.
func newOCIServer(t *testing.T) *repotest.OCIServer {
	t.Helper()
	dir := t.TempDir()
	// repotest's Run pushes dir/oci-dependent-chart-0.1.0.tgz: provide it.
	ch, err := loader.LoadDir(fixture("hello"))
	if err != nil {
		t.Fatal(err)
	}
	ch.Metadata.Name, ch.Metadata.Version = "oci-dependent-chart", "0.1.0"
	if _, err := chartutil.Save(ch, dir); err != nil {
		t.Fatal(err)
	}
	srv, err := repotest.NewOCIServer(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	cheapHtpasswd(t, filepath.Join(dir, "authtest.htpasswd"), srv.TestUsername, srv.TestPassword)
	srv.Run(t)
	for version, archive := range packageDep(t, t.TempDir()) {
		data, err := os.ReadFile(archive)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Client.Push(data, srv.RegistryURL+"/charts/dep:"+version); err != nil {
			t.Fatalf("pushing dep %s: %v", version, err)
		}
	}
	return srv
}

// cheapHtpasswd rewrites repotest's htpasswd file with a bcrypt hash of
// the lowest cost. repotest hashes at bcrypt.DefaultCost and the registry
// checks the hash on every request: with the race detector that was more
// than a minute of this package's tests. The registry reloads the file
// when it changes.
func cheapHtpasswd(t *testing.T, path, user, pass string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(user+":"+string(hash)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// isolateCredentials points Helm's and Docker's credential files at empty
// temporary directories and returns the Docker config directory.
func isolateCredentials(t *testing.T) string {
	t.Helper()
	t.Setenv("HELM_CONFIG_HOME", t.TempDir())
	dockerConfig := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dockerConfig)
	return dockerConfig
}

func TestOCI(t *testing.T) {
	srv := newOCIServer(t)
	dockerConfig := isolateCredentials(t)
	base := "oci://" + srv.RegistryURL + "/charts"
	user, pass := srv.TestUsername, srv.TestPassword

	tests := []struct {
		name        string
		src         chart.Source
		dockerAuth  bool      // write the credentials to Docker's config.json
		password    string    // the login's password: "" the right one, "-" no login
		want        string    // rendered version when kind is nil
		kind        errorKind // expected error type
		wantMessage string
	}{
		{name: "newest stable", src: chart.Source{Chart: base + "/dep"}, want: "1.0.0"},
		{name: "constraint", src: chart.Source{Chart: base + "/dep", Version: "^0.1.0"}, want: "0.1.5"},
		{name: "exact version", src: chart.Source{Chart: base + "/dep", Version: "0.2.0"}, want: "0.2.0"},
		{name: "tag in the reference", src: chart.Source{Chart: base + "/dep:0.1.0"}, want: "0.1.0"},
		{name: "oci:// repository URL", src: chart.Source{RepoURL: base, Chart: "dep", Version: "0.2.0"}, want: "0.2.0"},
		{name: "docker config.json credentials", src: chart.Source{Chart: base + "/dep", Version: "0.1.0"}, password: "-", dockerAuth: true, want: "0.1.0"},
		{
			name: "missing version", src: chart.Source{Chart: base + "/dep", Version: "9.9.9"},
			kind: isNotFound, wantMessage: `version "9.9.9" not found in ` + base + "/dep",
		},
		{
			name: "no version satisfies the constraint", src: chart.Source{Chart: base + "/dep", Version: "^3"},
			kind: isNotFound, wantMessage: "no version matches",
		},
		{
			name: "missing repository", src: chart.Source{Chart: base + "/nope"},
			kind: isNotFound, wantMessage: `chart "` + base + `/nope" not found`,
		},
		{
			name: "reference and version disagree", src: chart.Source{Chart: base + "/dep:0.1.0", Version: "0.2.0"},
			kind: isLoad, wantMessage: "mismatch",
		},
		{name: "no credentials", src: chart.Source{Chart: base + "/dep", Version: "0.1.0"}, password: "-", kind: isFetch, wantMessage: "no credentials found"},
		{name: "wrong password", src: chart.Source{Chart: base + "/dep"}, password: "wrong-password", kind: isFetch, wantMessage: "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeDockerConfig(t, dockerConfig, srv.RegistryURL, user, pass, tt.dockerAuth)
			opts := chart.Options{CacheDir: t.TempDir()}
			switch tt.password {
			case "":
				opts = withLogin(t, opts, srv.RegistryURL, user, pass)
			case "-":
			default:
				opts = withLogin(t, opts, srv.RegistryURL, user, tt.password)
			}
			r, err := chart.Render(context.Background(), tt.src, chart.Values{}, opts)
			if tt.kind != nil {
				if err == nil || !tt.kind(err) {
					t.Fatalf("Render: %v (%T), want a typed error", err, err)
				}
				if !strings.Contains(err.Error(), tt.wantMessage) {
					t.Errorf("Error() = %q, want %q", err, tt.wantMessage)
				}
				if strings.ContainsAny(err.Error(), "\n") || strings.Contains(err.Error(), "wrong-password") {
					t.Errorf("Error() = %q: several lines or a password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if r.Version != tt.want {
				t.Errorf("rendered version %s, want %s", r.Version, tt.want)
			}
			if img := "example.com/dep:" + tt.want; !imagesOf(r.Manifest)[img] {
				t.Errorf("manifest lacks image %s", img)
			}
		})
	}

	t.Run("dependency from a registry", func(t *testing.T) {
		writeDockerConfig(t, dockerConfig, srv.RegistryURL, user, pass, false)
		dir := filepath.Join(t.TempDir(), "oci-parent")
		if err := os.MkdirAll(filepath.Join(dir, "templates"), 0o755); err != nil {
			t.Fatal(err)
		}
		chartYAML := fmt.Sprintf("apiVersion: v2\nname: oci-parent\nversion: 0.1.0\n"+
			"dependencies:\n  - name: dep\n    version: ~0.2\n    repository: %s\n", base)
		if err := os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte(chartYAML), 0o644); err != nil {
			t.Fatal(err)
		}
		src := chart.Source{Chart: dir, DependencyUpdate: true}
		r := mustRender(t, src, chart.Values{}, withLogin(t, chart.Options{}, srv.RegistryURL, user, pass))
		if !imagesOf(r.Manifest)["example.com/dep:0.2.0"] {
			t.Errorf("manifest lacks the dependency's image:\n%s", r.Manifest)
		}
	})
}

// writeDockerConfig writes (or empties) Docker's config.json in dir.
func writeDockerConfig(t *testing.T, dir, host, user, pass string, withAuth bool) {
	t.Helper()
	config := `{"auths":{}}`
	if withAuth {
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		config = fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
}

// pushChartArtifact pushes the fixture chart name as a Helm OCI artifact
// to host/charts/NAME:VERSION through client.
func pushChartArtifact(t *testing.T, client *registry.Client, host, name string) {
	t.Helper()
	ch, err := loader.LoadDir(fixture(name))
	if err != nil {
		t.Fatal(err)
	}
	path, err := chartutil.Save(ch, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	archive, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	repo, err := client.Repository(ctx, host, "charts/"+ch.Name())
	if err != nil {
		t.Fatal(err)
	}
	config := []byte(fmt.Sprintf(`{"name":%q,"version":%q,"apiVersion":"v2"}`, ch.Name(), ch.Metadata.Version))
	configDesc := content.NewDescriptorFromBytes("application/vnd.cncf.helm.config.v1+json", config)
	layerDesc := content.NewDescriptorFromBytes("application/vnd.cncf.helm.chart.content.v1.tar+gzip", archive)
	manifest, err := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    configDesc,
		Layers:    []ocispec.Descriptor{layerDesc},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		d    ocispec.Descriptor
		data []byte
	}{{configDesc, config}, {layerDesc, archive}} {
		if err := repo.Push(ctx, b.d, bytes.NewReader(b.data)); err != nil {
			t.Fatal(err)
		}
	}
	md := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, manifest)
	if err := repo.PushReference(ctx, md, bytes.NewReader(manifest), ch.Metadata.Version); err != nil {
		t.Fatal(err)
	}
}

// TestOCIThroughTheRegistryDoor: an oci:// chart is fetched by the same
// registry client as images: a private CA and a login given to it apply,
// and a registry failing for a moment is retried.
func TestOCIThroughTheRegistryDoor(t *testing.T) {
	t.Run("private CA and login", func(t *testing.T) {
		reg := testregistry.Start(t, testregistry.WithTLS(), testregistry.WithBasicAuth("robot", "ch4rt-pass"))
		client, err := registry.New(registry.Options{
			TLSLoopback:  true,
			CAFiles:      []string{reg.CAFile},
			Logins:       []registry.Login{{Host: reg.Host, Username: "robot", Password: "ch4rt-pass"}},
			DockerConfig: filepath.Join(t.TempDir(), "none.json"),
		})
		if err != nil {
			t.Fatal(err)
		}
		pushChartArtifact(t, client, reg.Host, "hello")
		r := mustRender(t, chart.Source{Chart: "oci://" + reg.Host + "/charts/hello"}, chart.Values{}, chart.Options{Registry: client})
		if r.Name != "hello" {
			t.Errorf("rendered %s", r.Name)
		}
		// Without the CA: one line naming the certificate problem.
		plain, err := registry.New(registry.Options{TLSLoopback: true, MaxAttempts: 1, DockerConfig: filepath.Join(t.TempDir(), "none.json")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = chart.Render(context.Background(), chart.Source{Chart: "oci://" + reg.Host + "/charts/hello"}, chart.Values{}, chart.Options{Registry: plain, CacheDir: t.TempDir()})
		var fe *chart.FetchError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("without the CA: %v, want a *FetchError about the certificate", err)
		}
	})
	t.Run("retried", func(t *testing.T) {
		reg := testregistry.Start(t)
		proxy := testregistry.NewProxy(t, reg)
		client, err := registry.New(registry.Options{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, DockerConfig: filepath.Join(t.TempDir(), "none.json")})
		if err != nil {
			t.Fatal(err)
		}
		pushChartArtifact(t, client, proxy.Host, "hello")
		proxy.SetFault(func(r *http.Request, n int) testregistry.Action {
			if strings.Contains(r.URL.Path, "/manifests/") && n == 1 {
				return testregistry.Status503
			}
			return testregistry.Forward
		})
		mustRender(t, chart.Source{Chart: "oci://" + proxy.Host + "/charts/hello", Version: "0.1.0"}, chart.Values{}, chart.Options{Registry: client})
		failed := 0
		for _, r := range proxy.Requests() {
			if r.Status == 0 {
				failed++
			}
		}
		if failed != 1 {
			t.Errorf("%d injected failures seen, want 1 (then a retry)", failed)
		}
	})
}
