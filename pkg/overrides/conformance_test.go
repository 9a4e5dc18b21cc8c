package overrides_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/internal/goldenfile"
	"github.com/airlift-cli/airlift/internal/sharedcharts"
	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/rewrite"
)

// renderSpec is how SOURCES.md says a chart was rendered.
type renderSpec struct {
	release, chart string
	set            []string
	files          []string // the user's values files, before the overrides
}

func readRenderSpecs(t *testing.T) []renderSpec {
	t.Helper()
	var specs []renderSpec
	for _, r := range sharedcharts.Renders(t, sharedcharts.Dir(t)) {
		if r.Images == r.Chart+".images.txt" {
			specs = append(specs, renderSpec{release: r.Release, chart: r.Chart, set: r.Set})
		}
	}
	return specs
}

// templateOnly are the images a chart sets in its templates only. k8ssandra
// 1.5.2 writes cass-operator's ImageConfig with its images literal; the
// imageRegistry that cass-operator.image.registryOverride adds is indented
// under images:, where cass-operator (and pkg/discover) ignore it.
var templateOnly = map[string][]string{
	"k8ssandra-1.5.2": {
		"docker.io/datastax/cass-config-builder:1.0.5-ubi7",
		"docker.io/k8ssandra/system-logger:v1.13.1",
	},
}

// TestConformance plans overrides for every chart of the shared corpus,
// with the render flags of SOURCES.md, and checks them: in process, with
// the helm CLI when it is on PATH, and with Rewrite for what only the
// templates set. The generated files are golden.
func TestConformance(t *testing.T) {
	t.Parallel()
	sharedCharts := sharedcharts.Dir(t)
	specs := readRenderSpecs(t)
	if len(specs) == 0 {
		t.Fatal("no Render: lines in SOURCES.md")
	}
	m := mapping(t, dest, reference.KeepPath)
	helm, _ := exec.LookPath("helm")
	switch {
	case helm == "" && os.Getenv("CI") == "true":
		t.Fatal("helm not on PATH: .ci/run installs it (go install helm.sh/helm/v4/cmd/helm)")
	case helm == "":
		t.Log("helm not on PATH: the renders with the real helm CLI are skipped (go install helm.sh/helm/v4/cmd/helm@v4.3.1)")
	}
	for _, spec := range specs {
		t.Run(spec.chart, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(sharedCharts, spec.chart)
			c := loadChart(t, dir, chart.Values{Set: spec.set})
			tr, o := plan(t, c, m, overrides.PlanOptions{})
			logPlan(t, tr, o)

			if got := leaks(o.Check); !slices.Equal(got, withTemplate(templateOnly[spec.chart])) {
				t.Errorf("leaks = %v, want %v", got, withTemplate(templateOnly[spec.chart]))
			}
			if len(o.Check.Missing) > 0 || len(o.Check.Warnings) > 0 {
				t.Errorf("missing %v, warnings %v", o.Check.Missing, o.Check.Warnings)
			}
			for _, p := range o.Check.Moved {
				if p.Target.Tag != p.Source.Tag || p.Target.Digest != p.Source.Digest {
					t.Errorf("%s -> %s: tag or digest changed", p.Source, p.Target)
				}
			}
			mustHave(t, spec.chart, o)
			golden(t, filepath.Join("testdata", "golden", spec.chart+".yaml"), o.YAML())

			manifest, err := c.Render(context.Background(), o.Values())
			if err != nil {
				t.Fatal(err)
			}
			if helm != "" {
				manifest = helmTemplate(t, helm, spec, dir, o.YAML())
			}
			rewritten, _, err := rewrite.Rewrite(manifest, m)
			if err != nil {
				t.Fatal(err)
			}
			targets := map[string]bool{}
			for _, img := range tr.Images {
				tgt, err := m.Map(img.Ref)
				if err != nil {
					t.Fatal(err)
				}
				targets[tgt.String()] = true
			}
			for name, stream := range map[string][]byte{"rendered": manifest, "rewritten": rewritten} {
				res, err := discover.Scan(stream, "")
				if err != nil {
					t.Fatal(err)
				}
				for _, img := range res.Images {
					left := name == "rendered" && slices.Contains(templateOnly[spec.chart], img.Ref.String())
					if !targets[img.Ref.String()] && !left {
						t.Errorf("%s: %s is not the target of an original image", name, img.Ref)
					}
				}
			}
		})
	}
}

func withTemplate(refs []string) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r+" (template)")
	}
	return out
}

// logPlan names the knob, the per-image exceptions with their keys, and
// the renders.
func logPlan(t *testing.T, tr *overrides.Traced, o *overrides.Overrides) {
	t.Helper()
	var keys []string
	for _, e := range o.Entries {
		if e.Kind == overrides.ImageEntry {
			keys = append(keys, e.Path.String())
		}
	}
	knob := o.Knob.String()
	if knob == "" {
		knob = "none"
	}
	t.Logf("knob %s; %d per-image value(s) %v; %d image(s) moved; %d+%d renders; skipped %d",
		knob, len(keys), keys, len(o.Check.Moved), tr.Renders, o.Renders, len(tr.Skipped))
}

// mustHave checks what the issue names for some charts.
func mustHave(t *testing.T, name string, o *overrides.Overrides) {
	t.Helper()
	got := entries(o)
	switch name {
	case "stackstate-5.1.15":
		if o.Knob.String() != "global.imageRegistry" {
			t.Errorf("knob = %s, want global.imageRegistry", o.Knob)
		}
		if _, ok := got["elasticsearch.prometheus-elasticsearch-exporter.image.repository"]; !ok {
			t.Error("the elasticsearch exporter exception was not found")
		}
	case "k8ssandra-1.5.2":
		server := false
		for k := range got {
			if strings.HasPrefix(k, "cassandra.versionImageMap") || strings.HasPrefix(k, "cassandra.image") {
				server = true
			}
		}
		if !server {
			t.Error("the Cassandra server image is not moved through cassandra.image or the version map")
		}
		if _, ok := got["stargate.image"]; !ok {
			t.Error("stargate.image is not set")
		}
	case "ingress-nginx-4.15.1":
		for _, p := range o.Check.Moved {
			if p.Source.Digest == "" {
				t.Errorf("%s has no digest", p.Source)
			}
		}
	}
}

// helmTemplate renders the chart with the helm CLI and the generated file.
func helmTemplate(t *testing.T, helm string, spec renderSpec, dir string, values []byte) []byte {
	t.Helper()
	file := filepath.Join(t.TempDir(), "overrides.yaml")
	if err := os.WriteFile(file, values, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"template", spec.release, dir}
	for _, f := range spec.files {
		args = append(args, "-f", f)
	}
	args = append(args, "-f", file)
	for _, s := range spec.set {
		args = append(args, "--set", s)
	}
	cmd := exec.Command(helm, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// golden compares got with a golden file, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	goldenfile.Check(t, path, got)
}
