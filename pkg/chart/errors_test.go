package chart_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"

	"github.com/airlift-cli/airlift/pkg/chart"
)

// errorKind checks that an error is of one of the package's error types.
type errorKind func(error) bool

func isNotFound(err error) bool { var e *chart.NotFoundError; return errors.As(err, &e) }
func isLoad(err error) bool     { var e *chart.LoadError; return errors.As(err, &e) }
func isValues(err error) bool   { var e *chart.ValuesError; return errors.As(err, &e) }
func isRender(err error) bool   { var e *chart.RenderError; return errors.As(err, &e) }
func isFetch(err error) bool    { var e *chart.FetchError; return errors.As(err, &e) }

func TestErrors(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	corrupt := filepath.Join(tmp, "corrupt.tgz")
	if err := os.WriteFile(corrupt, []byte("this is not a gzip stream"), 0o644); err != nil {
		t.Fatal(err)
	}
	needsDep := filepath.Join(tmp, "needs-dep")
	copyDir(t, fixture("needs-dep"), needsDep)
	ch, err := loader.LoadDir(needsDep)
	if err != nil {
		t.Fatal(err)
	}
	needsDepTgz, err := chartutil.Save(ch, tmp)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		src     chart.Source
		vals    chart.Values
		opts    chart.Options
		kind    errorKind
		want    []string // substrings of Error()
		notWant []string // never in Error() (credentials)
		login   bool     // log in to 127.0.0.1:1 as u / hunter22
	}{
		{
			name: "missing path",
			src:  chart.Source{Chart: "./testdata/nope"},
			kind: isNotFound,
			want: []string{`chart "./testdata/nope" not found: no such file or directory`},
		},
		{
			name: "repo/chart without --repo",
			src:  chart.Source{Chart: "bitnami/nginx"},
			kind: isNotFound,
			want: []string{`chart "bitnami/nginx" not found`, "--repo"},
		},
		{
			name: "empty chart reference",
			src:  chart.Source{Chart: " "},
			kind: isNotFound,
			want: []string{"no chart given"},
		},
		{
			name: "directory without Chart.yaml",
			src:  chart.Source{Chart: fixture("nochart")},
			kind: isLoad,
			want: []string{"nochart", "Chart.yaml file is missing"},
		},
		{
			name: "corrupt tgz",
			src:  chart.Source{Chart: corrupt},
			kind: isLoad,
			want: []string{"corrupt.tgz"},
		},
		{
			name: "library chart",
			src:  chart.Source{Chart: fixture("library")},
			kind: isLoad,
			want: []string{"library charts are not installable"},
		},
		{
			name: "dependencies missing from charts/",
			src:  chart.Source{Chart: needsDep},
			kind: isLoad,
			want: []string{"missing from charts/: dep, localdep", "--dependency-update"},
		},
		{
			name: "dependency update of an archive",
			src:  chart.Source{Chart: needsDepTgz, DependencyUpdate: true},
			kind: isLoad,
			want: []string{"only unpacked chart directories can be updated"},
		},
		{
			name: "unparseable values file",
			src:  chart.Source{Chart: fixture("app")},
			vals: chart.Values{Files: []string{valuesFile("bad.yaml")}},
			kind: isValues,
			want: []string{`invalid values file "testdata/values/bad.yaml"`, "yaml: line 2"},
		},
		{
			name: "missing values file",
			src:  chart.Source{Chart: fixture("app")},
			vals: chart.Values{Files: []string{valuesFile("nope.yaml")}},
			kind: isValues,
			want: []string{"nope.yaml", "no such file or directory"},
		},
		{
			name: "values from stdin",
			src:  chart.Source{Chart: fixture("app")},
			vals: chart.Values{Files: []string{"-"}},
			kind: isValues,
			want: []string{"stdin"},
		},
		{
			name: "bad --set",
			src:  chart.Source{Chart: fixture("app")},
			vals: chart.Values{Set: []string{"a=b,c"}},
			kind: isValues,
			want: []string{`invalid --set "a=b,c"`},
		},
		{
			name: "bad --set index",
			src:  chart.Source{Chart: fixture("app")},
			vals: chart.Values{Set: []string{"list[x]=1"}},
			kind: isValues,
			want: []string{`invalid --set "list[x]=1"`},
		},
		{
			name: "bad --set-json",
			src:  chart.Source{Chart: fixture("app")},
			vals: chart.Values{SetJSON: []string{"a={broken"}},
			kind: isValues,
			want: []string{`invalid --set-json "a={broken"`},
		},
		{
			name: "bad --set-json object",
			src:  chart.Source{Chart: fixture("app")},
			vals: chart.Values{SetJSON: []string{"{broken"}},
			kind: isValues,
			want: []string{`invalid --set-json "{broken"`},
		},
		{
			name: "unreadable --set-file",
			src:  chart.Source{Chart: fixture("app")},
			vals: chart.Values{SetFile: []string{"a=testdata/values/nope.txt"}},
			kind: isValues,
			want: []string{`invalid --set-file "a=testdata/values/nope.txt"`, "nope.txt"},
		},
		{
			name: "schema violation",
			src:  chart.Source{Chart: fixture("app")},
			vals: chart.Values{Set: []string{"replicaCount=0"}},
			kind: isValues,
			want: []string{"values.schema.json", "app:", "/replicaCount"},
		},
		{
			name: "schema type violation",
			src:  chart.Source{Chart: fixture("app")},
			vals: chart.Values{SetString: []string{"replicaCount=3"}},
			kind: isValues,
			want: []string{"/replicaCount", "want integer"},
		},
		{
			name: "template error",
			src:  chart.Source{Chart: fixture("broken")},
			kind: isRender,
			want: []string{"broken/templates/configmap.yaml:6", "nil pointer"},
		},
		{
			name: "required value",
			src:  chart.Source{Chart: fixture("required")},
			kind: isRender,
			want: []string{"required/templates/configmap.yaml", "name is required"},
		},
		{
			name: "rendered YAML invalid",
			src:  chart.Source{Chart: fixture("badyaml")},
			kind: isRender,
			want: []string{"YAML parse error on badyaml/templates/configmap.yaml"},
		},
		{
			name: "kubeVersion mismatch",
			src:  chart.Source{Chart: fixture("kubeversion")},
			opts: chart.Options{KubeVersion: "1.20.0"},
			kind: isRender,
			want: []string{"chart requires kubeVersion: >=1.30.0-0 which is incompatible with Kubernetes v1.20.0"},
		},
		{
			name: "invalid kube version",
			src:  chart.Source{Chart: fixture("app")},
			opts: chart.Options{KubeVersion: "banana"},
			kind: isRender,
			want: []string{`invalid Kubernetes version "banana"`},
		},
		{
			name: "invalid release name",
			src:  chart.Source{Chart: fixture("app")},
			opts: chart.Options{ReleaseName: "Bad_Name"},
			kind: isRender,
			want: []string{`release name "Bad_Name"`},
		},
		{
			name: "unreachable repository",
			src:  chart.Source{Chart: "app", RepoURL: "http://127.0.0.1:1"},
			kind: isFetch,
			want: []string{"http://127.0.0.1:1/index.yaml", "connection refused"},
		},
		{
			name:    "unreachable repository with credentials",
			src:     chart.Source{Chart: "app", RepoURL: "http://someone:s3cr3t-in-url@127.0.0.1:1/charts"},
			login:   true,
			kind:    isFetch,
			want:    []string{"http://127.0.0.1:1/charts/index.yaml"},
			notWant: []string{"s3cr3t-in-url", "hunter22", "someone"},
		},
		{
			name: "unsupported repository URL",
			src:  chart.Source{Chart: "app", RepoURL: "ftp://example.com/charts"},
			kind: isFetch,
			want: []string{"ftp://example.com/charts"},
		},
		{
			name: "unreachable chart URL",
			src:  chart.Source{Chart: "http://127.0.0.1:1/app-1.0.0.tgz"},
			kind: isFetch,
			want: []string{"http://127.0.0.1:1/app-1.0.0.tgz"},
		},
		{
			name: "unreachable oci registry, exact version",
			src:  chart.Source{Chart: "oci://127.0.0.1:1/charts/app", Version: "1.0.0"},
			kind: isFetch,
			want: []string{"oci://127.0.0.1:1/charts/app", "connection refused"},
		},
		{
			name:    "unreachable oci registry, newest version",
			src:     chart.Source{Chart: "oci://127.0.0.1:1/charts/app"},
			login:   true,
			kind:    isFetch,
			want:    []string{"oci://127.0.0.1:1/charts/app", "connection refused"},
			notWant: []string{"hunter22"},
		},
		{
			name: "invalid oci reference",
			src:  chart.Source{Chart: "oci://Bad Host/x"},
			kind: isLoad,
			want: []string{"invalid oci reference"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.opts.CacheDir == "" {
				tt.opts.CacheDir = t.TempDir()
			}
			if tt.login {
				tt.opts = withLogin(t, tt.opts, "127.0.0.1:1", "u", "hunter22")
			}
			r, err := chart.Render(context.Background(), tt.src, tt.vals, tt.opts)
			if err == nil {
				t.Fatalf("Render succeeded, want an error; manifest:\n%s", r.Manifest)
			}
			msg := err.Error()
			if !tt.kind(err) {
				t.Errorf("error %T (%v) is not of the expected type", err, err)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("Error() spans several lines: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Error() = %q, want it to contain %q", msg, w)
				}
			}
			for _, nw := range tt.notWant {
				if strings.Contains(msg, nw) {
					t.Errorf("Error() = %q leaks %q", msg, nw)
				}
			}
			if errors.Unwrap(err) == nil {
				t.Errorf("Unwrap() of %T is nil", err)
			}
			t.Logf("%T: %s", err, msg)
		})
	}
}
