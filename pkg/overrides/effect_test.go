package overrides_test

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// TestKnobsByEffect plans overrides for charts whose chart-wide values are
// found by what they do, not by their key names: a global repository that
// carries its registry, an operator's image configuration under global, and
// knobs named defaultImageRegistry, hub and registryPrefix. Every image must
// move through values alone (nothing left to postrender), rendered by the
// real helm CLI when it is on PATH.
func TestKnobsByEffect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		chart   string
		files   []string       // the user's values files
		entries []string       // values paths the plan sets
		knobs   map[string]int // knob path -> places it moves an image at
		note    string         // in the YAML, when set
	}{
		{
			name:    "a global repository with its registry and components falling back to it",
			chart:   "globalrepo",
			entries: []string{"global.image.repository", "login.image.repository"},
			knobs:   map[string]int{"global.image.repository": 3},
		},
		{
			name:    "an operator's image configuration under global gets its registry knob",
			chart:   "imageconfig",
			entries: []string{"dbop.image.registry", "global.imageConfig.defaults.registry", "image.registry"},
			knobs:   map[string]int{"global.imageConfig.defaults.registry": 3},
			note:    "the images it derives later (server images of versions not yet deployed) come from this registry too",
		},
		{
			name:    "an operator's image configuration without a registry gets one",
			chart:   "imageconfig",
			files:   []string{"testdata/values/imageconfig-noregistry.yaml"},
			entries: []string{"dbop.image.registry", "global.imageConfig.defaults.registry", "image.registry"},
			knobs:   map[string]int{"global.imageConfig.defaults.registry": 3},
			note:    "the images it derives later (server images of versions not yet deployed) come from this registry too",
		},
		{
			name:    "knobs under other names: defaultImageRegistry behind empty registries and hub and registryPrefix",
			chart:   "otherknobs",
			entries: []string{"defaultImageRegistry", "global.hub", "tools.registryPrefix"},
			knobs:   map[string]int{"defaultImageRegistry": 4, "global.hub": 2, "tools.registryPrefix": 2},
		},
	}
	m := mapping(t, dest, reference.KeepPath)
	helm, _ := exec.LookPath("helm")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := loadChart(t, fixture(tt.chart), chart.Values{Files: tt.files})
			tr, o := plan(t, c, m, overrides.PlanOptions{})
			var got []string
			knobs := map[string]int{}
			for _, e := range o.Entries {
				got = append(got, e.Path.String())
				if e.Kind == overrides.KnobEntry {
					knobs[e.Path.String()] = e.Places
				}
			}
			if !slices.Equal(got, tt.entries) {
				t.Errorf("entries = %q, want %q\n%s", got, tt.entries, o.YAML())
			}
			if !mapsEqual(knobs, tt.knobs) {
				t.Errorf("knobs = %v, want %v", knobs, tt.knobs)
			}
			if tt.note != "" && !strings.Contains(string(o.YAML()), tt.note) {
				t.Errorf("the values file does not say %q:\n%s", tt.note, o.YAML())
			}
			if !o.Check.OK() || len(o.Check.Warnings) > 0 {
				t.Errorf("check: leaks %v, missing %v, warnings %v", o.Check.Leaks, o.Check.Missing, o.Check.Warnings)
			}

			manifest, err := c.Render(context.Background(), o.Values())
			if err != nil {
				t.Fatal(err)
			}
			if helm != "" {
				manifest = helmTemplate(t, helm, renderSpec{release: "test", files: tt.files}, fixture(tt.chart), o.YAML())
			}
			oneToOne(t, tr, m, manifest)
		})
	}
}

// TestKnobTrace: the images a global repository reaches through a fallback
// or directly (an init container with no value of its own) are controlled
// by it, not set in the template only.
func TestKnobTrace(t *testing.T) {
	t.Parallel()
	c := loadChart(t, fixture("globalrepo"), chart.Values{})
	tr, err := overrides.Trace(context.Background(), c, overrides.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The components' image objects left unset are slots: filled in,
	// they would move the image too.
	want := []string{"api.image slot", "global.image.repository knob", "worker.image slot"}
	if got := controls(tr, "quay.io/acme/suite:v2.0.0"); !slices.Equal(got, want) {
		t.Errorf("controls = %q, want %q", got, want)
	}
	for _, img := range tr.Images {
		if img.TemplateOnly() {
			t.Errorf("%s is template-only", img.Ref)
		}
	}
	// baseline, per-image values, slots, the global knobs.
	if tr.Renders > 4 {
		t.Errorf("renders = %d, want at most 4", tr.Renders)
	}
}

// oneToOne checks that every image of a manifest is the target of an image
// of the trace, and every target rendered.
func oneToOne(t *testing.T, tr *overrides.Traced, m reference.Mapping, manifest []byte) {
	t.Helper()
	res, err := discover.Scan(manifest, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, img := range tr.Images {
		tgt, err := m.Map(img.Ref)
		if err != nil {
			t.Fatal(err)
		}
		want[tgt.String()] = true
	}
	seen := map[string]bool{}
	for _, img := range res.Images {
		if !want[img.Ref.String()] {
			t.Errorf("%s is not the target of an original image", img.Ref)
		}
		seen[img.Ref.String()] = true
	}
	for tgt := range want {
		if !seen[tgt] {
			t.Errorf("%s is not rendered", tgt)
		}
	}
	for _, w := range res.Warnings {
		t.Errorf("warning: %s", w)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestCheckSeesOperatorConfig: the check reads the images of an operator's
// image configuration as discovery does; left where they are, they are
// leaks, and not "set in the template only": a value (the configuration's
// registry knob) moves them.
func TestCheckSeesOperatorConfig(t *testing.T) {
	t.Parallel()
	c := loadChart(t, fixture("imageconfig"), chart.Values{})
	m := mapping(t, dest, reference.KeepPath)
	tr, err := overrides.Trace(context.Background(), c, overrides.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	partial := map[string]any{
		"image": map[string]any{"registry": dest},
		"dbop":  map[string]any{"image": map[string]any{"registry": dest}},
	}
	rep, err := overrides.Check(context.Background(), c, partial, m, tr)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"docker.io/acme/db-backup:2.1.0", "docker.io/acme/db-config-builder:1.0", "docker.io/acme/db-logger:v1.0.0"}
	if got := leaks(rep); !slices.Equal(got, want) {
		t.Errorf("leaks = %q, want %q", got, want)
	}
	for _, l := range rep.Leaks {
		if !strings.Contains(l.String(), "ImageConfig v1beta2") {
			t.Errorf("leak %s does not name the ImageConfig", l)
		}
	}
}
