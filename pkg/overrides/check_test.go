package overrides_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		chart   string
		set     []string // the user's --set flags
		values  map[string]any
		trace   bool
		leaks   []string
		wantAt  string // template file of the first leak
		missing int
	}{
		{
			name:   "the global alone misses the exporter",
			chart:  "globalreg",
			values: map[string]any{"global": map[string]any{"imageRegistry": dest}},
			leaks:  []string{"quay.io/acme/exporter:v2"},
			wantAt: "globalreg/charts/exporter/templates/deployment.yaml",
		},
		{
			name:  "hand-written values that are complete",
			chart: "globalreg",
			values: map[string]any{
				"global":   map[string]any{"imageRegistry": dest},
				"exporter": map[string]any{"image": map[string]any{"repository": dest + "/acme/exporter"}},
			},
		},
		{
			name:  "an image moved to the wrong place is a leak, its target missing",
			chart: "globalreg",
			values: map[string]any{
				"global":   map[string]any{"imageRegistry": dest},
				"exporter": map[string]any{"image": map[string]any{"repository": dest + "/acme/other"}},
			},
			leaks:  []string{dest + "/acme/other:v2"},
			wantAt: "globalreg/charts/exporter/templates/deployment.yaml",
		},
		{
			name:   "Docker Hub official image without library/ under the knob",
			chart:  "bitnamilike",
			values: map[string]any{"global": map[string]any{"imageRegistry": dest, "security": map[string]any{"allowInsecureImages": true}}},
			leaks:  []string{dest + "/busybox:1.36"},
			wantAt: "bitnamilike/templates/statefulset.yaml",
		},
		{
			name:   "with a trace, images set in templates are named",
			chart:  "hardcoded",
			values: map[string]any{"image": map[string]any{"registry": dest}},
			trace:  true,
			leaks: []string{
				"docker.io/library/busybox:1.36 (template)",
				"quay.io/acme/helper:1.0 (template)",
				"quay.io/acme/log-shipper:0.9 (template)",
			},
			wantAt: "hardcoded/templates/app.yaml",
		},
		{
			name:   "an image the user's own --set pins is named so, not as set in the template",
			chart:  "fallback",
			set:    []string{"tool.repository=acme/other"},
			values: map[string]any{"tool": map[string]any{"registry": "registry.example.com:5000", "repository": "mirror/acme/other"}},
			trace:  true,
			leaks:  []string{"docker.io/acme/other:3.2 (pinned by tool.repository)"},
			wantAt: "fallback/templates/tool.yaml",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := loadChart(t, fixture(tt.chart), chart.Values{Set: tt.set})
			var tr *overrides.Traced
			if tt.trace {
				var err error
				if tr, err = overrides.Trace(ctx, c, overrides.TraceOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := overrides.Check(ctx, c, tt.values, mapping(t, dest, reference.KeepPath), tr)
			if err != nil {
				t.Fatal(err)
			}
			if got := leaks(rep); !slices.Equal(got, tt.leaks) {
				t.Errorf("leaks = %v, want %v", got, tt.leaks)
			}
			if rep.OK() != (len(tt.leaks) == 0) {
				t.Errorf("OK() = %v", rep.OK())
			}
			if len(rep.Leaks) > 0 {
				l := rep.Leaks[0]
				if o := l.Origins[0]; o.File != tt.wantAt || o.Kind == "" || o.Path == "" {
					t.Errorf("leak origin = %+v, want object, field path and file %s", o, tt.wantAt)
				}
				if l.Source.IsZero() || l.Want.IsZero() {
					t.Errorf("leak %s has no source or target", l)
				}
			}
			if len(rep.Missing) > 0 {
				t.Errorf("missing = %v", rep.Missing)
			}
		})
	}
}

func TestCheckUnparseable(t *testing.T) {
	t.Parallel()
	c := loadChart(t, fixture("noglobal"), chart.Values{})
	// A registry with a path where the template adds docker.io/ in front.
	vals := map[string]any{"proxy": map[string]any{"image": map[string]any{"repository": dest + "/acme/proxy", "tag": "v1.0.68"}}}
	rep, err := overrides.Check(context.Background(), c, vals, mapping(t, dest, reference.KeepPath), nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range rep.Leaks {
		if l.Image.IsZero() && l.Value != "" && l.Message != "" && l.Source.Repository == "acme/proxy" {
			found = true
		}
	}
	if !found {
		t.Errorf("leaks = %v, want the unparseable proxy image", rep.Leaks)
	}
}

func TestCheckCollision(t *testing.T) {
	t.Parallel()
	// Flattened, quay.io/other/busybox:1.36 and the template's busybox:1.36
	// both go to REGISTRY/PREFIX/busybox:1.36.
	vals := chart.Values{Set: []string{"image.registry=quay.io", "image.repository=other/busybox", "image.tag=1.36"}}
	c := loadChart(t, fixture("hardcoded"), vals)
	_, err := overrides.Check(context.Background(), c, nil, mapping(t, dest, reference.Flatten), nil)
	var col reference.Collisions
	if !errors.As(err, &col) {
		t.Errorf("err = %v, want reference.Collisions", err)
	}
}

func TestCheckGeneratedFile(t *testing.T) {
	t.Parallel()
	// What `airlift check -f overrides.yaml` does with a file `airlift
	// values` wrote: read it back and check it alone.
	c := loadChart(t, fixture("noglobal"), chart.Values{})
	m := mapping(t, dest, reference.KeepPath)
	_, o := plan(t, c, m, overrides.PlanOptions{})
	vals, err := overrides.ParseValues(o.YAML())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := overrides.Check(context.Background(), c, vals, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Moved) != 4 {
		t.Errorf("check of the generated file: OK %v, %d moved, leaks %v", rep.OK(), len(rep.Moved), rep.Leaks)
	}
	if _, err := overrides.ParseValues([]byte("a: [")); err == nil {
		t.Error("no error for a file that is not YAML")
	}
}
