package chart_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/repo/v1"

	"github.com/airlift-cli/airlift/pkg/chart"
)

// depVersions are the versions of testdata/charts/dep published by the test
// repositories and registries.
var depVersions = []string{"0.1.0", "0.1.5", "0.2.0", "1.0.0", "1.1.0-rc.1"}

// packageDep packages testdata/charts/dep under every depVersions version
// into dir and returns the archive paths by version.
func packageDep(t testing.TB, dir string) map[string]string {
	t.Helper()
	ch, err := loader.LoadDir(fixture("dep"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, v := range depVersions {
		ch.Metadata.Version = v
		p, err := chartutil.Save(ch, dir)
		if err != nil {
			t.Fatal(err)
		}
		out[v] = p
	}
	return out
}

// repoServer is a real chart repository: a directory of archives and an
// index.yaml made by Helm's repo.IndexDirectory (with relative chart URLs),
// served by net/http's file server.
type repoServer struct {
	URL string

	mu       sync.Mutex
	requests []string // "<path> <status>"
}

func newRepoServer(t *testing.T, username, password string) *repoServer {
	t.Helper()
	dir := t.TempDir()
	packageDep(t, dir)
	idx, err := repo.IndexDirectory(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	idx.SortEntries()
	if err := idx.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "values.yaml"), []byte("color: remote\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rs := &repoServer{}
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if username != "" {
			if u, p, ok := r.BasicAuth(); !ok || u != username || p != password {
				rs.record(r.URL.Path, http.StatusUnauthorized)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		files.ServeHTTP(rec, r)
		rs.record(r.URL.Path, rec.status)
	}))
	t.Cleanup(srv.Close)
	rs.URL = srv.URL
	return rs
}

func (rs *repoServer) record(path string, status int) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.requests = append(rs.requests, fmt.Sprintf("%s %d", path, status))
}

func (rs *repoServer) log() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return slices.Clone(rs.requests)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func TestRepoVersions(t *testing.T) {
	t.Parallel()
	rs := newRepoServer(t, "", "")
	tests := []struct {
		name    string
		chart   string
		version string
		want    string // rendered chart version; "" = a NotFoundError
	}{
		{name: "latest stable", chart: "dep", want: "1.0.0"},
		{name: "caret constraint", chart: "dep", version: "^0.1.0", want: "0.1.5"},
		{name: "tilde constraint", chart: "dep", version: "~0.2", want: "0.2.0"},
		{name: "range", chart: "dep", version: ">=0.1.1 <1.0.0", want: "0.2.0"},
		{name: "exact", chart: "dep", version: "0.1.0", want: "0.1.0"},
		{name: "exact pre-release", chart: "dep", version: "1.1.0-rc.1", want: "1.1.0-rc.1"},
		{name: "constraint allowing pre-releases", chart: "dep", version: ">1.0.0-0", want: "1.1.0-rc.1"},
		{name: "missing version", chart: "dep", version: "9.9.9"},
		{name: "missing chart", chart: "nope"},
		{name: "invalid constraint", chart: "dep", version: "not a version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := chart.Source{Chart: tt.chart, RepoURL: rs.URL, Version: tt.version}
			r, err := chart.Render(context.Background(), src, chart.Values{}, chart.Options{CacheDir: t.TempDir()})
			if tt.want == "" {
				var nf *chart.NotFoundError
				if !errors.As(err, &nf) {
					t.Fatalf("Render: %v, want a *NotFoundError", err)
				}
				if !strings.Contains(err.Error(), `chart "`+tt.chart+`"`) || !strings.Contains(err.Error(), rs.URL) {
					t.Errorf("Error() = %q, want the chart and the repository named", err)
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
				t.Errorf("manifest lacks image %s:\n%s", img, r.Manifest)
			}
		})
	}
}

func TestRepoAuth(t *testing.T) {
	t.Parallel()
	const user, pass = "airlift", "p4ssw0rd-secret"
	rs := newRepoServer(t, user, pass)
	withUserinfo, err := url.Parse(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	withUserinfo.User = url.UserPassword(user, pass)
	host := strings.TrimPrefix(rs.URL, "http://")
	tests := []struct {
		name     string
		src      chart.Source
		password string // the login's; "" for none
		wantErr  bool
	}{
		{name: "no credentials", src: chart.Source{RepoURL: rs.URL}, wantErr: true},
		{name: "wrong password", src: chart.Source{RepoURL: rs.URL}, password: "wrong-password", wantErr: true},
		{name: "basic auth", src: chart.Source{RepoURL: rs.URL}, password: pass},
		{name: "credentials in the URL", src: chart.Source{RepoURL: withUserinfo.String()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.src.Chart = "dep"
			opts := chart.Options{CacheDir: t.TempDir()}
			if tt.password != "" {
				opts = withLogin(t, opts, host, user, tt.password)
			}
			_, err := chart.Render(context.Background(), tt.src, chart.Values{}, opts)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				return
			}
			var fe *chart.FetchError
			if !errors.As(err, &fe) {
				t.Fatalf("Render: %v, want a *FetchError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "401") {
				t.Errorf("Error() = %q, want the HTTP status", msg)
			}
			if strings.Contains(msg, pass) || strings.Contains(msg, "wrong-password") {
				t.Errorf("Error() = %q leaks a password", msg)
			}
		})
	}
}

// TestRepoCache renders twice with one cache: the second time the index is
// revalidated (304) and the archive is not downloaded again.
func TestRepoCache(t *testing.T) {
	t.Parallel()
	rs := newRepoServer(t, "", "")
	cache := t.TempDir()
	src := chart.Source{Chart: "dep", RepoURL: rs.URL, Version: "0.2.0"}
	first := mustRender(t, src, chart.Values{}, chart.Options{CacheDir: cache})
	second := mustRender(t, src, chart.Values{}, chart.Options{CacheDir: cache})
	if !bytes.Equal(first.Manifest, second.Manifest) {
		t.Error("cached render differs")
	}
	want := []string{"/index.yaml 200", "/dep-0.2.0.tgz 200", "/index.yaml 304"}
	if got := rs.log(); !slices.Equal(got, want) {
		t.Errorf("requests = %v, want %v", got, want)
	}
}

// TestValuesFromURL reads -f values files given as http URLs.
func TestValuesFromURL(t *testing.T) {
	t.Parallel()
	rs := newRepoServer(t, "", "")
	r := mustRender(t, chart.Source{Chart: fixture("app")}, chart.Values{Files: []string{rs.URL + "/values.yaml"}}, chart.Options{})
	if r.Values["color"] != "remote" {
		t.Errorf("Values[color] = %v, want remote", r.Values["color"])
	}
	_, err := chart.Render(context.Background(), chart.Source{Chart: fixture("app")},
		chart.Values{Files: []string{rs.URL + "/missing.yaml"}}, chart.Options{})
	var fe *chart.FetchError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "404") || fe.URL != rs.URL+"/missing.yaml" {
		t.Errorf("Render with a missing values URL: %v, want a *FetchError with 404", err)
	}
}

// dependentChart copies needs-dep and its file:// sibling into a temporary
// directory and points its http dependency at repoURL with constraint.
func dependentChart(t *testing.T, repoURL, constraint string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "needs-dep")
	copyDir(t, fixture("needs-dep"), dir)
	copyDir(t, fixture("localdep"), filepath.Join(root, "localdep"))
	chartYAML := filepath.Join(dir, "Chart.yaml")
	data, err := os.ReadFile(chartYAML)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.ReplaceAll(data, []byte("REPO_URL"), []byte(repoURL))
	data = bytes.ReplaceAll(data, []byte("version: ^0.1.0"), []byte("version: "+constraint))
	if err := os.WriteFile(chartYAML, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDependencyUpdate(t *testing.T) {
	t.Parallel()
	rs := newRepoServer(t, "", "")
	tests := []struct {
		name       string
		constraint string
		update     bool
		kind       errorKind // nil = success
		want       []string  // substrings of Error()
		wantImages []string
	}{
		{
			name:       "missing without update",
			constraint: "^0.1.0",
			kind:       isLoad,
			want:       []string{"missing from charts/: dep, localdep", "--dependency-update"},
		},
		{
			name:       "update fetches http and file:// dependencies",
			constraint: "^0.1.0",
			update:     true,
			wantImages: []string{"example.com/dep:0.1.5", "example.com/localdep:0.3.1"},
		},
		{
			name:       "no version satisfies the constraint",
			constraint: "^5.0.0",
			update:     true,
			kind:       isNotFound,
			want:       []string{`chart "dep" version "^5.0.0" not found in ` + rs.URL},
		},
	}
	t.Cleanup(func() { // after the (parallel) subtests
		if _, err := os.Stat(filepath.Join(fixture("needs-dep"), "charts")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("testdata was modified: %v", err)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := dependentChart(t, rs.URL, tt.constraint)
			src := chart.Source{Chart: dir, DependencyUpdate: tt.update}
			r, err := chart.Render(context.Background(), src, chart.Values{}, chart.Options{CacheDir: t.TempDir()})
			if tt.kind != nil {
				if err == nil || !tt.kind(err) {
					t.Fatalf("Render: %v (%T), want a typed error", err, err)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Error() = %q, want %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			images := imagesOf(r.Manifest)
			for _, img := range tt.wantImages {
				if !images[img] {
					t.Errorf("manifest lacks image %s:\n%s", img, r.Manifest)
				}
			}
			for _, f := range []string{"dep-0.1.5.tgz", "localdep-0.3.1.tgz"} {
				if _, err := os.Stat(filepath.Join(dir, "charts", f)); err != nil {
					t.Errorf("charts/%s not written: %v", f, err)
				}
			}
			// The dependencies are now vendored: no update needed.
			again := mustRender(t, chart.Source{Chart: dir}, chart.Values{}, chart.Options{})
			if !bytes.Equal(again.Manifest, r.Manifest) {
				t.Error("render after the update differs")
			}
		})
	}
}
