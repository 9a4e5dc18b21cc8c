package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run runs airlift in-process and returns its exit code and output.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

func TestImages(t *testing.T) {
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantOut    string // exact stdout
		wantErrHas string // substring of stderr
	}{
		{
			name: "chart, one reference per line, sorted and unique",
			args: []string{"images", "testdata/charts/demo"},
			wantOut: "docker.io/bats/bats:1.14.0\ndocker.io/library/busybox:1.36\n" +
				"quay.io/demo/app:1.0\nquay.io/demo/helper:2.0\n",
			wantErrHas: "note: 1 image(s) declared in Chart.yaml annotations are not rendered",
		},
		{
			name:    "skip tests",
			args:    []string{"images", "testdata/charts/demo", "--skip-tests", "--set", "sidecar.image=busybox:1.37"},
			wantOut: "docker.io/library/busybox:1.37\nquay.io/demo/app:1.0\nquay.io/demo/helper:2.0\n",
		},
		{
			name:    "values file from stdin",
			stdin:   "image: {tag: \"2.0\"}\n",
			args:    []string{"images", "testdata/charts/demo", "-f", "-", "--skip-tests"},
			wantOut: "docker.io/library/busybox:1.36\nquay.io/demo/app:2.0\nquay.io/demo/helper:2.0\n",
		},
		{
			name:    "manifests from stdin",
			stdin:   "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n",
			args:    []string{"images", "-m", "-"},
			wantOut: "docker.io/library/nginx:latest\n",
		},
		{
			name: "why",
			args: []string{"images", "testdata/charts/demo", "--why", "busybox:1.36"},
			wantOut: "docker.io/library/busybox:1.36\n" +
				"  demo/templates/deployment.yaml: Deployment/release-name-app spec.template.spec.initContainers[0].image\n",
		},
		{
			name:    "why a declared image",
			args:    []string{"images", "testdata/charts/demo", "--why", "docker.io/bitnami/os-shell:12"},
			wantOut: "docker.io/bitnami/os-shell:12\n  demo/Chart.yaml: annotations.images[1] (declared in a chart annotation)\n  (declared only: not rendered with these values)\n",
		},
		{
			name:    "images an operator pulls by default, from the catalog",
			stdin:   cnpgOperator,
			args:    []string{"images", "-m", "-"},
			wantOut: "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0\nghcr.io/cloudnative-pg/pgbouncer:1.25.1\nghcr.io/cloudnative-pg/postgresql:18.4-system-trixie\n",
		},
		{
			name:    "--no-operator-defaults leaves them out",
			stdin:   cnpgOperator,
			args:    []string{"images", "-m", "-", "--no-operator-defaults"},
			wantOut: "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0\n",
		},
		{
			name:  "--why names the default and the source it was read from",
			stdin: cnpgOperator,
			args:  []string{"images", "-m", "-", "--why", "ghcr.io/cloudnative-pg/pgbouncer:1.25.1"},
			wantOut: "ghcr.io/cloudnative-pg/pgbouncer:1.25.1\n" +
				"  (stdin): Deployment/cnpg spec.template.spec.containers[0] (operator default of cloudnative-pg 1.30.0: PgBouncer of a Pooler without an image in spec.template, " +
				"compiled in (https://github.com/cloudnative-pg/cloudnative-pg/blob/v1.30.0/pkg/versions/versions.go); set env or config key PGBOUNCER_IMAGE_NAME to change it)\n",
		},
		{
			name:       "an operator version the catalog does not cover is a note",
			stdin:      strings.ReplaceAll(cnpgOperator, "1.30.0", "1.20.0"),
			args:       []string{"images", "-m", "-"},
			wantOut:    "ghcr.io/cloudnative-pg/cloudnative-pg:1.20.0\n",
			wantErrHas: "note: (stdin): Deployment/cnpg spec.template.spec.containers[0]: cloudnative-pg 1.20.0 is not in the operator catalog",
		},
		{
			name:       "warning for a value that is not an image",
			args:       []string{"images", "testdata/charts/demo", "--skip-tests", "--set", "sidecar.image=Not/An:Image"},
			wantOut:    "quay.io/demo/app:1.0\nquay.io/demo/helper:2.0\n",
			wantErrHas: `warning: demo/templates/deployment.yaml: Deployment/release-name-app spec.template.spec.initContainers[0].image: invalid image reference "Not/An:Image"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.stdin, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if out != tt.wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, tt.wantOut)
			}
			if !strings.Contains(errOut, tt.wantErrHas) {
				t.Errorf("stderr %q, want it to contain %q", errOut, tt.wantErrHas)
			}
		})
	}
}

// cnpgOperator is the CloudNativePG operator alone, as its chart installs it.
const cnpgOperator = `apiVersion: apps/v1
kind: Deployment
metadata: {name: cnpg}
spec:
  template:
    spec:
      containers:
      - name: manager
        image: ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0
        env: [{name: OPERATOR_IMAGE_NAME, value: "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0"}]
`

func TestExplainCatalog(t *testing.T) {
	code, out, errOut := run(t, "", "images", "--explain-catalog")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"cloudnative-pg (images cloudnative-pg/cloudnative-pg; resources postgresql.cnpg.io)",
		"https://github.com/open-telemetry/opentelemetry-operator/blob/v0.158.0/versions.txt",
		"ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:2.30.0",
		"prometheus-operator", "cass-operator", "k8ssandra-operator", "grafana-operator", "cert-manager",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--explain-catalog lacks %q", want)
		}
	}
	if code, _, _ := run(t, "", "images", "--explain-catalog", "-m", "x.yaml"); code != 2 {
		t.Errorf("--explain-catalog with -m: exit %d, want 2", code)
	}
}

func TestImagesJSON(t *testing.T) {
	code, out, errOut := run(t, "", "images", "testdata/charts/demo", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc jsonReport
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Chart == nil || doc.Chart.Name != "demo" || len(doc.Images) != 4 || len(doc.Declared) != 2 {
		t.Fatalf("unexpected report: %+v", doc)
	}
	helper := doc.Images[3]
	if helper.Image != "quay.io/demo/helper:2.0" || helper.Origins[0].Via != "flag --helper-image" || helper.Origins[0].Path != "spec.template.spec.containers[0].args[0]" {
		t.Errorf("helper image: %+v", helper)
	}
	code, out, _ = run(t, "", "images", "testdata/charts/demo", "-o", "yaml")
	if code != 0 || !strings.Contains(out, "image: quay.io/demo/helper:2.0") {
		t.Errorf("yaml output: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "", "images", "testdata/charts/demo", "-o", "table")
	if code != 0 || !strings.HasPrefix(out, "IMAGE") || !strings.Contains(out, "DECLARED, NOT RENDERED") {
		t.Errorf("table output: exit %d\n%s", code, out)
	}
}

// TestWhyJSON: --why keeps the output format: the report narrowed to the
// image asked about.
func TestWhyJSON(t *testing.T) {
	code, out, errOut := run(t, "", "images", "testdata/charts/demo", "--why", "quay.io/demo/helper:2.0", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc jsonReport
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(doc.Images) != 1 || doc.Images[0].Image != "quay.io/demo/helper:2.0" || len(doc.Declared) != 0 {
		t.Errorf("unexpected report: %+v", doc)
	}
	code, out, _ = run(t, "", "images", "testdata/charts/demo", "--why", "docker.io/bitnami/os-shell:12", "-o", "yaml")
	if code != 0 || !strings.Contains(out, "declared:") || strings.Contains(out, "quay.io") {
		t.Errorf("--why of a declared image -o yaml: exit %d\n%s", code, out)
	}
}

// TestBadInput: one line naming the problem, exit 1 (2 for usage), no
// stack trace, nothing on stdout.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantErr  string
	}{
		{"missing chart", []string{"images", "testdata/charts/nope"}, "", 1, `chart "testdata/charts/nope" not found`},
		{"template error", []string{"images", "testdata/charts/broken"}, "", 1, "broken/templates/cm.yaml"},
		{"unparseable values file", []string{"images", "testdata/charts/demo", "-f", "testdata/bad-values.yaml"}, "", 1, "bad-values.yaml"},
		{"missing values file", []string{"images", "testdata/charts/demo", "-f", "testdata/nope.yaml"}, "", 1, "nope.yaml"},
		{"bad --set", []string{"images", "testdata/charts/demo", "--set", "image.tag=2,a[x]=1"}, "", 1, `"image.tag=2,a[x]=1"`},
		{"--set without a value", []string{"images", "testdata/charts/demo", "--set", "sidecar"}, "", 1, `key "sidecar" has no value`},
		{"unreachable repo", []string{"images", "--repo", "http://127.0.0.1:1", "demo"}, "", 1, "127.0.0.1:1"},
		{"missing manifest file", []string{"images", "-m", "testdata/nope.yaml"}, "", 1, "nope.yaml"},
		{"directory without manifests", []string{"images", "-m", "testdata/no-manifests"}, "", 1, "no .yaml, .yml or .json file under testdata/no-manifests"},
		{"directory of chart templates", []string{"images", "-m", "testdata/charts/demo/templates"}, "", 1, "deployment.yaml (input line 3): yaml: did not find expected key"},
		{"manifest that is not YAML", []string{"images", "-m", "-"}, "kind: Pod\n  spec: [\n", 1, "(stdin) (input line 2)"},
		{"no chart", []string{"images"}, "", 2, "images needs one CHART"},
		{"chart and manifests", []string{"images", "x", "-m", "y"}, "", 2, "either CHART or -m"},
		{"unknown flag", []string{"images", "x", "--frobnicate"}, "", 2, "unknown flag: --frobnicate"},
		{"unknown output", []string{"images", "x", "-o", "xml"}, "", 2, `unknown output format "xml"`},
		{"bad --why", []string{"images", "testdata/charts/demo", "--why", "UPPER:case"}, "", 2, `--why: invalid image reference "UPPER:case"`},
		{"why an image that is not there", []string{"images", "testdata/charts/demo", "--why", "busybox:9"}, "", 1, "did you mean docker.io/library/busybox:1.36"},
		{"bad kube version", []string{"images", "testdata/charts/demo", "--kube-version", "banana"}, "", 1, "banana"},
		{"unknown command", []string{"frobnicate"}, "", 2, `unknown command "frobnicate"`},
		{"misspelt command", []string{"imgaes", "x"}, "", 2, "did you mean images?"},
		{"unknown command after flags", []string{"--debug", "frobnicate"}, "", 2, `unknown command "frobnicate"`},
		{"chart credentials for a local chart", []string{"images", "testdata/charts/demo", "--username", "u"}, "", 2, "for the chart's repository or registry"},
		{"chart credentials without a chart", []string{"copy", "busybox:1.36", "--to", "127.0.0.1:1/m", "--password", "p"}, "", 2, "docker login, --docker-config"},
		{"empty image list", []string{"copy", "--images", "testdata/lists/empty.txt", "--to", "127.0.0.1:1/m"}, "", 1, "--images testdata/lists/empty.txt lists no images"},
		{"empty image list on stdin", []string{"copy", "--images", "-", "--to", "127.0.0.1:1/m"}, "\n", 1, "--images stdin lists no images"},
		{"lock in a missing directory", []string{"copy", "busybox:1.36", "--to", "127.0.0.1:1/m", "--lock", "testdata/nope/images.lock"}, "", 1, "--lock: cannot write testdata/nope/images.lock"},
		{"lock that is a directory", []string{"copy", "busybox:1.36", "--to", "127.0.0.1:1/m", "--lock", "testdata"}, "", 1, "it is a directory"},
		{"invalid IMAGE argument", []string{"copy", "UPPER:case", "--to", "127.0.0.1:1/m"}, "", 2, `IMAGE argument: invalid image reference "UPPER:case"`},
		{"empty path part in --to", []string{"copy", "busybox:1.36", "--to", "r.example//x"}, "", 2, "empty path part"},
		{"values -o given a file name", []string{"values", "testdata/charts/demo", "--to", "r.example/m", "-o", "mirror.yaml"}, "", 2, "write to a file with --output-file mirror.yaml"},
		{"values -o unknown format", []string{"values", "testdata/charts/demo", "--to", "r.example/m", "-o", "xml"}, "", 2, `unknown output format "xml"`},
		{"bad CA file", []string{"copy", "busybox:1.36", "--to", "127.0.0.1:1/m", "--ca-file", "testdata/bad-values.yaml"}, "", 1, "holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.stdin, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "airlift: ") {
				t.Errorf("stderr %q, want one line starting with airlift:", errOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q, want it to contain %q", errOut, tt.wantErr)
			}
			for _, bad := range []string{"goroutine", "panic", ".go:"} {
				if strings.Contains(errOut, bad) {
					t.Errorf("stderr has %q: %s", bad, errOut)
				}
			}
		})
	}
}

func TestCredentialsNeverPrinted(t *testing.T) {
	const secret = "s3cr3t-pa55"
	for _, args := range [][]string{
		{"images", "--repo", "http://user:" + secret + "@127.0.0.1:1/charts", "demo"},
		{"images", "--repo", "http://127.0.0.1:1/charts", "--username", "user", "--password", secret, "demo", "--debug"},
		{"images", "oci://127.0.0.1:1/charts/demo", "--version", "1.0.0", "--username", "user", "--password", secret, "--plain-http", "--debug"},
	} {
		code, out, errOut := run(t, "", args...)
		if code == 0 || strings.Contains(out+errOut, secret) {
			t.Errorf("%v: exit %d, output shows the password: %s%s", args, code, out, errOut)
		}
	}
}

// TestLogFile: AIRLIFT_LOG gets what stderr gets, after the command line,
// with a password masked.
func TestLogFile(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "airlift.log")
	t.Setenv(EnvLog, logFile)
	const secret = "l0g-s3cret"
	code, _, errOut := run(t, "", "images", "testdata/charts/demo", "--password", secret)
	if code != ExitUsage {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), errOut) || !strings.Contains(string(b), "airlift images testdata/charts/demo --password xxxxx") || strings.Contains(string(b), secret) {
		t.Errorf("log file:\n%s\nstderr:\n%s", b, errOut)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "airlift ") {
		t.Errorf("version: exit %d %q", code, out)
	}
	code, flag, _ := run(t, "", "--version")
	if code != 0 || flag != out {
		t.Errorf("--version: exit %d %q, want %q", code, flag, out)
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		code, out, errOut := run(t, "", "completion", shell)
		if code != 0 || !strings.Contains(out, "airlift") {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", shell, code, len(out), errOut)
		}
	}
}

// TestDemo: the whole job offline on the embedded example chart, nothing
// left behind.
func TestDemo(t *testing.T) {
	keep := t.TempDir()
	code, out, errOut := run(t, "", "demo", "--keep", keep)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"1. images   11 images", "3. serve", "5. proof", "3 set in templates only rewritten by airlift postrender"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	for _, f := range []string{"platform.tar", "mirror.yaml", "registry"} {
		if _, err := os.Stat(filepath.Join(keep, f)); err != nil {
			t.Errorf("--keep: %v", err)
		}
	}
}
