package overrides_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/overrides"
	"github.com/airlift-cli/airlift/pkg/reference"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		chart   string
		vals    chart.Values
		to      string
		layout  reference.Layout
		opts    overrides.PlanOptions
		knob    string
		entries map[string]any
		leaks   []string
	}{
		{
			name:  "knob, and the subchart that bakes the registry into its repository",
			chart: "globalreg",
			knob:  "global.imageRegistry",
			entries: map[string]any{
				"global.imageRegistry":      dest,
				"exporter.image.repository": dest + "/acme/exporter",
			},
		},
		{
			name:  "no knob: registry keys, library/ kept, version map, computed image filled in",
			chart: "noglobal",
			entries: map[string]any{
				"operator.image.registry":       dest,
				"init.image.registry":           dest,
				"init.image.repository":         "library/busybox",
				`server.versionImageMap["4.0"]`: dest + "/acme/server:4.0-r2",
				"proxy.image": map[string]any{
					"registry": dest, "repository": "acme/proxy", "tag": "v1.0.68",
				},
			},
		},
		{
			name:    "global.image.registry with digests kept",
			chart:   "digests",
			knob:    "global.image.registry",
			entries: map[string]any{"global.image.registry": dest},
		},
		{
			name:    "an image hard-coded in a template is left behind, named",
			chart:   "hardcoded",
			entries: map[string]any{"image.registry": dest},
			leaks: []string{
				"docker.io/library/busybox:1.36 (template)",
				"quay.io/acme/helper:1.0 (template)",
				"quay.io/acme/log-shipper:0.9 (template)",
			},
		},
		{
			name:  "bitnami: knob, library/ under the knob, insecure images allowed",
			chart: "bitnamilike",
			knob:  "global.imageRegistry",
			entries: map[string]any{
				"global.imageRegistry":                dest,
				"global.security.allowInsecureImages": true,
				"volumePermissions.image.repository":  "library/busybox",
			},
		},
		{
			name:  "pull secret in every pull-secret list, in its shape",
			chart: "bitnamilike",
			opts:  overrides.PlanOptions{PullSecret: "mirror-pull"},
			knob:  "global.imageRegistry",
			entries: map[string]any{
				"global.imageRegistry":                dest,
				"global.security.allowInsecureImages": true,
				"volumePermissions.image.repository":  "library/busybox",
				"global.imagePullSecrets":             []any{map[string]any{"name": "mirror-pull"}},
				"image.pullSecrets":                   []any{"mirror-pull"},
				"volumePermissions.image.pullSecrets": []any{"mirror-pull"},
			},
		},
		{
			name:   "keep-host layout: the knob takes the source host",
			chart:  "globalreg",
			to:     "registry.example.com:5000",
			layout: reference.KeepHost,
			knob:   "global.imageRegistry",
			entries: map[string]any{
				"global.imageRegistry":      "registry.example.com:5000/quay.io",
				"exporter.image.repository": "registry.example.com:5000/quay.io/acme/exporter",
			},
		},
		{
			name:   "flatten layout: no knob fits, repositories shortened",
			chart:  "globalreg",
			layout: reference.Flatten,
			entries: map[string]any{
				"components.all.image.registry":      dest,
				"components.server.image.repository": "server",
				"components.ui.image.repository":     "ui",
				"exporter.image.repository":          dest + "/exporter",
			},
		},
		{
			name:  "the plan follows the user's values (another server version)",
			chart: "noglobal",
			vals:  chart.Values{Set: []string{"server.version=3.11"}},
			entries: map[string]any{
				"operator.image.registry":        dest,
				"init.image.registry":            dest,
				"init.image.repository":          "library/busybox",
				`server.versionImageMap["3.11"]`: dest + "/acme/server:3.11-r1",
				"proxy.image": map[string]any{
					"registry": dest, "repository": "acme/proxy", "tag": "v1.0.68",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			to := tt.to
			if to == "" {
				to = dest
			}
			c := loadChart(t, fixture(tt.chart), tt.vals)
			_, o := plan(t, c, mapping(t, to, tt.layout), tt.opts)
			if got := o.Knob.String(); got != tt.knob {
				t.Errorf("knob = %q, want %q", got, tt.knob)
			}
			if got := entries(o); !reflect.DeepEqual(got, tt.entries) {
				t.Errorf("entries =\n%v\nwant\n%v", got, tt.entries)
			}
			if l := leaks(o.Check); !slices.Equal(l, tt.leaks) {
				t.Errorf("leaks = %v, want %v", l, tt.leaks)
			}
			if len(o.Check.Missing) > 0 {
				t.Errorf("missing: %v", o.Check.Missing)
			}
		})
	}
}

func TestPlanPullSecretRenders(t *testing.T) {
	t.Parallel()
	c := loadChart(t, fixture("bitnamilike"), chart.Values{})
	_, o := plan(t, c, mapping(t, dest, reference.KeepPath), overrides.PlanOptions{PullSecret: "mirror-pull"})
	manifest, err := c.Render(context.Background(), o.Values())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(manifest), "- name: mirror-pull"); n != 1 {
		t.Errorf("the pod has %d pull secrets named mirror-pull, want 1:\n%s", n, manifest)
	}
}

func TestPlanRetriesWhatTheCheckRefutes(t *testing.T) {
	t.Parallel()
	// The sentinel registry passes the template's test, the destination
	// (with a port and a path) does not: setting the registry is predicted
	// to work and refuted by the check; the repository with the host is
	// the next way.
	c := loadChart(t, fixture("fallback"), chart.Values{})
	_, o := plan(t, c, mapping(t, dest, reference.KeepPath), overrides.PlanOptions{})
	want := map[string]any{"tool.repository": dest + "/acme/tool"}
	if got := entries(o); !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %v, want %v", got, want)
	}
	if !o.Check.OK() || o.Renders != 2 {
		t.Errorf("check OK %v after %d renders, want OK after 2", o.Check.OK(), o.Renders)
	}
}
