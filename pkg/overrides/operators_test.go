package overrides_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/rewrite"
)

// TestOperatorClasses plans overrides for charts in the manner of operator
// charts: a version map moved through the registry value that feeds its
// entries, an image composed in a values blob moved through global.hub, and
// images an operator pulls by default named as such (airlift postrender
// moves them by the operator's setting).
func TestOperatorClasses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		chart    string
		entries  []string // values paths the plan sets
		leaks    []string // what the check names, by image
		defaults []string // leaks that are operator defaults, with the setting postrender adds
	}{
		{
			name:    "version map entries move with the value that feeds them",
			chart:   "versionmap",
			entries: []string{"defaultImageRegistry"},
		},
		{
			name:    "an image composed in a values blob moves with global.hub, with its path",
			chart:   "hubblob",
			entries: []string{"global.hub"},
		},
		{
			name:    "an operator default moves through the unset image object that renders its flag",
			chart:   "unsetimage",
			entries: []string{"manager.image.repository", "manager.javaImage"},
			// The fixture writes the other flags in its template.
			leaks: []string{"quay.io/acme/collector:1.0", "quay.io/acme/opamp-bridge:1.0", "quay.io/acme/target-allocator:1.0"},
		},
		{
			name:    "operator defaults are named, with the setting that moves them",
			chart:   "opdefault",
			entries: []string{"image.repository"},
			leaks:   []string{"ghcr.io/cloudnative-pg/pgbouncer:1.25.1", "ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie"},
			defaults: []string{
				"ghcr.io/cloudnative-pg/pgbouncer:1.25.1 env PGBOUNCER_IMAGE_NAME",
				"ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie env POSTGRES_IMAGE_NAME",
			},
		},
	}
	m := mapping(t, dest, reference.KeepPath)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := loadChart(t, fixture(tt.chart), chart.Values{})
			tr, o := plan(t, c, m, overrides.PlanOptions{})
			var got []string
			for _, e := range o.Entries {
				got = append(got, e.Path.String())
			}
			if !slices.Equal(got, tt.entries) {
				t.Errorf("entries = %q, want %q\n%s", got, tt.entries, o.YAML())
			}
			var leaks, defaults []string
			for _, l := range o.Check.Leaks {
				leaks = append(leaks, l.Image.String())
				if l.OperatorDefault {
					defaults = append(defaults, l.Image.String()+" "+l.Default)
					if !l.TemplateOnly || !strings.Contains(l.String(), "[operator default: airlift postrender sets "+l.Default) {
						t.Errorf("leak %s: not named as an operator default postrender moves", l)
					}
				}
			}
			if !slices.Equal(leaks, tt.leaks) || !slices.Equal(defaults, tt.defaults) {
				t.Errorf("leaks = %q (defaults %q), want %q (%q)", leaks, defaults, tt.leaks, tt.defaults)
			}
			if len(o.Check.Missing) > 0 || len(o.Check.Warnings) > 0 {
				t.Errorf("missing %v, warnings %v", o.Check.Missing, o.Check.Warnings)
			}

			// What values leave, postrender moves: every image of the
			// trace is then in the mirror, one to one.
			manifest, err := c.Render(context.Background(), o.Values())
			if err != nil {
				t.Fatal(err)
			}
			out, _, err := rewrite.Rewrite(manifest, m)
			if err != nil {
				t.Fatal(err)
			}
			res, err := discover.Scan(out, "")
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for _, img := range tr.Images {
				tgt, _ := m.Map(img.Ref)
				want[tgt.String()] = true
			}
			for _, img := range res.Images {
				if !want[img.Ref.String()] {
					t.Errorf("%s after values and postrender is not the target of an image", img.Ref)
				}
				delete(want, img.Ref.String())
			}
			for tgt := range want {
				t.Errorf("%s is not rendered after values and postrender", tgt)
			}
		})
	}
}

// TestCheckWarningFails: a value discovery could not read is a leak, even
// where the user's values render no image: a warning is never followed by
// "all moved".
func TestCheckWarningFails(t *testing.T) {
	t.Parallel()
	c := loadChart(t, fixture("versionmap"), chart.Values{})
	m := mapping(t, dest, reference.KeepPath)
	good := map[string]any{"defaultImageRegistry": dest}
	rep, err := overrides.Check(context.Background(), c, good, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("the registry alone should move everything: %v", rep.Leaks)
	}
	bad := map[string]any{"defaultImageRegistry": dest, "broken": "4.2.0=quay.io/Strimzi/kafka:4.2.0"}
	rep, err = overrides.Check(context.Background(), c, bad, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Leaks) != 1 || rep.Leaks[0].Value != "quay.io/Strimzi/kafka:4.2.0" {
		t.Fatalf("leaks = %v, want the entry that does not parse", rep.Leaks)
	}
	if s := rep.Leaks[0].String(); !strings.Contains(s, "invalid image reference") || !strings.Contains(s, "BROKEN_IMAGES, entry 4.2.0") {
		t.Errorf("leak = %s", s)
	}
}
