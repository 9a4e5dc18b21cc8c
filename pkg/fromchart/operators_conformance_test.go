package fromchart

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/internal/sharedcharts"
	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/rewrite"
)

// operatorChart is one operator chart of testdata/operator-charts whose
// directory is present, or the test is skipped.
func operatorCharts(t *testing.T) (string, []sharedcharts.Render) {
	t.Helper()
	dir := sharedcharts.OperatorDir(t)
	var present []sharedcharts.Render
	for _, r := range sharedcharts.OperatorCharts(t, dir) {
		if _, err := os.Stat(filepath.Join(dir, r.Chart, "Chart.yaml")); err != nil {
			t.Logf("%s not fetched (see %s): skipped", r.Chart, filepath.Join(dir, "SOURCES.md"))
			continue
		}
		present = append(present, r)
	}
	if len(present) == 0 {
		t.Skip("no operator chart fetched")
	}
	return dir, present
}

// TestOperatorConformance lists the images of real operator charts and
// compares them with the lists written by reading each chart and its
// operator's source: zero missing, zero false, no warnings.
func TestOperatorConformance(t *testing.T) {
	t.Parallel()
	dir, charts := operatorCharts(t)
	for _, c := range charts {
		t.Run(c.Chart, func(t *testing.T) {
			t.Parallel()
			rep, err := Inventory(context.Background(), chart.Request{
				Source:  chart.Source{Chart: filepath.Join(dir, c.Chart)},
				Values:  chart.Values{Set: c.Set},
				Options: chart.Options{ReleaseName: c.Release, KubeVersion: chart.DefaultKubeVersion, CacheDir: t.TempDir()},
			})
			if err != nil {
				t.Fatalf("Inventory: %v", err)
			}
			expected := map[string]bool{}
			for _, e := range sharedcharts.Expected(t, filepath.Join(dir, c.Images)) {
				expected[reference.MustParse(e).String()] = true
			}
			found := map[string]bool{}
			var missing, false_ []string
			for _, img := range rep.Images {
				found[img.Ref.String()] = true
				if !expected[img.Ref.String()] {
					false_ = append(false_, img.Ref.String())
				}
				for _, o := range img.Origins {
					if o.File == "" || o.Path == "" {
						t.Errorf("%s: origin without file or path: %+v", img.Ref, o)
					}
				}
			}
			for e := range expected {
				if !found[e] {
					missing = append(missing, e)
				}
			}
			slices.Sort(missing)
			t.Logf("%s: expected %d, found %d, missing %d, false %d", c.Chart, len(expected), len(found), len(missing), len(false_))
			for _, m := range missing {
				t.Errorf("missing: %s", m)
			}
			for _, f := range false_ {
				t.Errorf("false: %s", f)
			}
			checkWarnings(t, c.Chart, rep.Warnings)
			for _, n := range rep.Notes {
				t.Errorf("note: %s", n)
			}
		})
	}
}

// leftToPostrender are, per chart, the images values cannot move, which
// `airlift postrender` moves: set in templates only, or pulled by an
// operator by default (postrender adds the operator's setting). noMove are
// those nothing in the manifests can move.
var (
	leftToPostrender = map[string][]string{
		"istiod-1.30.3": {
			"docker.io/library/busybox:1.28", // a literal line of the grpc-simple injection template
		},
		"cloudnative-pg-0.29.0": {
			"ghcr.io/cloudnative-pg/pgbouncer:1.25.1",
			"ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie",
		},
	}
	// wantValues are, per chart, the values paths the plan sets where the
	// chart has a chart-wide knob under a name of its own: one knob for
	// all that it moves.
	wantValues = map[string][]string{
		"strimzi-kafka-operator-1.2.0": {"defaultImageRegistry"},
		"istiod-1.30.3":                {"global.hub"},
		"argo-cd-10.1.1":               {"dex.image.repository", "global.image.repository", "redis.image.repository"},
		"k8ssandra-operator-1.32.0":    {"cass-operator.image.registry", "client.image.registry", "global.imageConfig.defaults.registry", "image.registry"},
	}
	// wantWarnings are, per chart, the warnings it must give (a substring
	// each, of the warning and of the values check's leak): images an
	// operator completes with versions it chooses, which no manifest
	// names. Each must say so ("the operator completes").
	wantWarnings = map[string][]string{
		"mongodb-kubernetes-1.9.1": {
			"env OPS_MANAGER_IMAGE_REPOSITORY)", "env MDB_AGENT_IMAGE_REPOSITORY)",
			"env MONGODB_IMAGE)", "env MDB_COMMUNITY_IMAGE)",
		},
	}
	noMove = map[string][]string{
		// Honoured only as a digest (RELATED_IMAGE_GRAFANA): each Grafana's
		// spec.version must name the mirror.
		"grafana-operator-5.24.0": {"docker.io/grafana/grafana:13.0.1"},
		// Compiled into rook, replaced only by each resource's spec.image.
		"rook-ceph-1.19.10": {"quay.io/ceph/cosi:v0.1.4", "quay.io/ceph/nvmeof:1.5"},
	}
)

// TestOperatorValues plans values for each operator chart, renders the
// chart with the real helm CLI and those values, then runs the result
// through the post-renderer's core: every expected image must then be in
// the mirror, one to one, but those no manifest can move (noMove). Values
// leave exactly leftToPostrender to postrender.
func TestOperatorValues(t *testing.T) {
	t.Parallel()
	helm, err := exec.LookPath("helm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("helm not on PATH")
		}
		t.Skip("helm not on PATH (go install helm.sh/helm/v4/cmd/helm@v4.3.1)")
	}
	dir, charts := operatorCharts(t)
	m, err := reference.ParseDestination("registry.example.com:5000/mirror", reference.KeepPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		t.Run(c.Chart, func(t *testing.T) {
			t.Parallel()
			req := chart.Request{
				Source:  chart.Source{Chart: filepath.Join(dir, c.Chart)},
				Values:  chart.Values{Set: c.Set},
				Options: chart.Options{ReleaseName: c.Release, KubeVersion: chart.DefaultKubeVersion, CacheDir: t.TempDir()},
			}
			o, tr, err := Values(context.Background(), req, m, overrides.PlanOptions{})
			if err != nil {
				t.Fatalf("Values: %v", err)
			}
			var left []string
			for _, l := range o.Check.Leaks {
				if l.Image.IsZero() {
					// An image an operator completes is not proven moved:
					// expected where the chart has such warnings.
					if wantedWarning(c.Chart, l.String()) < 0 {
						t.Errorf("leak of a value that does not parse: %s", l)
					}
					continue
				}
				if !l.TemplateOnly && !slices.Contains(noMove[c.Chart], l.Image.String()) {
					t.Errorf("leak values should have moved: %s", l)
				}
				if l.TemplateOnly {
					left = append(left, l.Image.String())
				}
			}
			slices.Sort(left)
			left = slices.Compact(left)
			if !slices.Equal(left, leftToPostrender[c.Chart]) {
				t.Errorf("left to postrender: %q, want %q", left, leftToPostrender[c.Chart])
			}
			var keys []string
			for _, e := range o.Entries {
				keys = append(keys, e.Path.String())
			}
			if want, ok := wantValues[c.Chart]; ok && !slices.Equal(keys, want) {
				t.Errorf("values = %q, want %q", keys, want)
			}
			t.Logf("%s: values %v; %d moved by values, %d left to postrender, %d movable by nothing in the manifests; %d+%d renders",
				c.Chart, keys, len(o.Check.Moved), len(left), len(noMove[c.Chart]), tr.Renders, o.Renders)

			file := filepath.Join(t.TempDir(), "mirror.yaml")
			if err := os.WriteFile(file, o.YAML(), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"template", c.Release, filepath.Join(dir, c.Chart), "--kube-version", chart.DefaultKubeVersion, "-f", file}
			for _, s := range c.Set {
				args = append(args, "--set", s)
			}
			cmd := exec.Command(helm, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			manifest, err := cmd.Output()
			if err != nil {
				t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
			}
			// Before postrender: every image the values move is in the
			// mirror already; only the images values leave are not.
			byHelm, err := discover.Scan(manifest, "")
			if err != nil {
				t.Fatal(err)
			}
			targets := map[string]bool{}
			for _, e := range sharedcharts.Expected(t, filepath.Join(dir, c.Images)) {
				tgt, err := m.Map(reference.MustParse(e))
				if err != nil {
					t.Fatal(err)
				}
				targets[tgt.String()] = true
			}
			inMirror := 0
			for _, img := range byHelm.Images {
				ref := img.Ref.String()
				switch {
				case targets[ref]:
					inMirror++
				case slices.Contains(leftToPostrender[c.Chart], ref) || slices.Contains(noMove[c.Chart], ref):
				default:
					t.Errorf("values and helm, no postrender: %s is neither in the mirror nor left to postrender", ref)
				}
			}
			t.Logf("%s: values and helm, no postrender: %d image(s) in the mirror", c.Chart, inMirror)

			out, _, err := rewrite.Rewrite(manifest, m)
			if err != nil {
				t.Fatal(err)
			}
			res, err := discover.Scan(out, "")
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{} // target -> source
			for _, e := range sharedcharts.Expected(t, filepath.Join(dir, c.Images)) {
				src := reference.MustParse(e)
				if slices.Contains(noMove[c.Chart], src.String()) {
					want[src.String()] = src.String()
					continue
				}
				tgt, err := m.Map(src)
				if err != nil {
					t.Fatal(err)
				}
				want[tgt.String()] = src.String()
			}
			for _, img := range res.Images {
				if _, ok := want[img.Ref.String()]; !ok {
					t.Errorf("after values, helm and postrender: %s is not the target of an expected image", img.Ref)
				}
				delete(want, img.Ref.String())
			}
			for tgt, src := range want {
				t.Errorf("after values, helm and postrender: %s (from %s) is not rendered", tgt, src)
			}
			checkWarnings(t, c.Chart, res.Warnings)
		})
	}
}

// checkWarnings checks that a chart gave exactly the warnings of
// wantWarnings, in any order.
func checkWarnings(t *testing.T, chart string, got []discover.Warning) {
	t.Helper()
	seen := make([]bool, len(wantWarnings[chart]))
	for _, w := range got {
		i := wantedWarning(chart, w.String())
		if i < 0 || seen[i] {
			t.Errorf("warning: %s", w)
			continue
		}
		seen[i] = true
	}
	for i, s := range wantWarnings[chart] {
		if !seen[i] {
			t.Errorf("no warning about %q", s)
		}
	}
}

// wantedWarning returns the index in wantWarnings[chart] of the warning
// (or the values check's leak) text describes, or -1.
func wantedWarning(chart, text string) int {
	if !strings.Contains(text, "the operator completes") {
		return -1
	}
	return slices.IndexFunc(wantWarnings[chart], func(s string) bool { return strings.Contains(text, s) })
}
