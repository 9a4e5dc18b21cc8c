package fromchart

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/internal/sharedcharts"
	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// renderCase is one "- Render: `helm template NAME ./CHART FLAGS`" line of
// SOURCES.md, with the image list helm rendered.
type renderCase struct {
	release, chart string
	set            []string
	imagesFile     string
}

func renderCases(t *testing.T, sharedCharts string) []renderCase {
	t.Helper()
	var cases []renderCase
	for _, r := range sharedcharts.Renders(t, sharedCharts) {
		cases = append(cases, renderCase{release: r.Release, chart: r.Chart, set: r.Set, imagesFile: r.Images})
	}
	return cases
}

func readLines(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// extra are images that are not on `image:` lines, which the conformance
// lists (made with grep) cannot contain.
var extra = map[string][]string{
	"k8ssandra-1.5.2": {
		"docker.io/k8ssandra/cass-management-api:4.0.3-v0.1.37", // CassandraDatacenter serverImage
		"docker.io/datastax/cass-config-builder:1.0.4",          // configBuilderImage
		"docker.io/k8ssandra/system-logger:6c64f9c4",            // systemLoggerImage
		"quay.io/thanos/thanos:v0.17.2",                         // --thanos-default-base-image=
		"quay.io/prometheus-operator/prometheus-config-reloader:v0.52.0",
		"docker.io/k8ssandra/system-logger:v1.13.1",         // ImageConfig in the cass-operator ConfigMap
		"docker.io/datastax/cass-config-builder:1.0.5-ubi7", // ImageConfig in the cass-operator ConfigMap
	},
	"k8ssandra-1.3.3": {
		"docker.io/k8ssandra/cass-management-api:4.0.0-v0.1.28",
		"docker.io/datastax/cass-config-builder:1.0.4",
		"docker.io/k8ssandra/system-logger:9c4c3692",
		"quay.io/prometheus-operator/prometheus-config-reloader:v0.44.0",
	},
	"kube-prometheus-stack-88.5.3": {
		"quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1", // --prometheus-config-reloader=
		"quay.io/thanos/thanos:v0.42.4",                                  // --thanos-default-base-image=
	},
}

func TestConformance(t *testing.T) {
	sharedCharts := sharedcharts.Dir(t)
	for _, c := range renderCases(t, sharedCharts) {
		name := strings.TrimSuffix(c.imagesFile, ".txt")
		t.Run(name, func(t *testing.T) {
			rep, err := Inventory(context.Background(), chart.Request{
				Source:  chart.Source{Chart: filepath.Join(sharedCharts, c.chart)},
				Values:  chart.Values{Set: c.set},
				Options: chart.Options{ReleaseName: c.release},
			})
			if err != nil {
				t.Fatalf("Inventory: %v", err)
			}
			want := readLines(t, filepath.Join(sharedCharts, c.imagesFile))
			if name == c.chart+".images" {
				want = append(want, extra[c.chart]...)
			}
			unique := map[string]bool{}
			for _, w := range want {
				unique[reference.MustParse(w).String()] = true
				if _, ok := (&discover.Result{Images: rep.Images}).Find(w); !ok {
					t.Errorf("%s (%s) not found", w, reference.MustParse(w))
				}
			}
			for _, w := range rep.Warnings {
				t.Errorf("warning: %s", w)
			}
			for _, img := range rep.Images {
				if len(img.Origins) == 0 || img.Origins[0].File == "" || img.Origins[0].Path == "" {
					t.Errorf("%s: origin without file or path: %+v", img.Ref, img.Origins)
				}
			}
			t.Logf("%d expected (normalised, unique), %d found", len(unique), len(rep.Images))
		})
	}
}

// TestConformanceImageConfig checks that every image named in a
// cass-operator ImageConfig rendered by k8ssandra 1.5.2 is found (1.3.3 has
// no ImageConfig: its cass-operator predates it).
func TestConformanceImageConfig(t *testing.T) {
	sharedCharts := sharedcharts.Dir(t)
	for _, name := range []string{"k8ssandra-1.5.2"} {
		t.Run(name, func(t *testing.T) {
			rep, err := Inventory(context.Background(), chart.Request{Source: chart.Source{Chart: filepath.Join(sharedCharts, name)}})
			if err != nil {
				t.Fatal(err)
			}
			// Independently of the scanner: read the ImageConfig images
			// straight from the rendered text.
			named := regexp.MustCompile(`(?m)^\s+(?:system-logger|config-builder|k8ssandra-client): "([^"]+)"`).FindAllStringSubmatch(string(rep.Manifest), -1)
			if len(named) < 2 {
				t.Fatalf("only %d ImageConfig images in the render", len(named))
			}
			for _, m := range named {
				img, ok := (&discover.Result{Images: rep.Images}).Find(m[1])
				if !ok {
					t.Errorf("ImageConfig image %s not found", m[1])
					continue
				}
				if !strings.Contains(img.Origins[0].Via, "ImageConfig") {
					t.Errorf("%s: origin %v does not name the ImageConfig", m[1], img.Origins[0])
				}
			}
		})
	}
}
