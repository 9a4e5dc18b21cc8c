package overrides_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/overrides"
)

func TestTrace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		chart    string
		image    string
		controls []string // "path role", knobs as "path knob"
	}{
		{
			name:  "registry shared by components, knob on top",
			chart: "globalreg",
			image: "quay.io/acme/server:1.0",
			controls: []string{
				"components.all.image.registry registry",
				"components.all.image.tag tag",
				"components.server.image.repository repository",
				"global.imageRegistry knob",
			},
		},
		{
			name:  "subchart scope, registry baked into the repository, no knob",
			chart: "globalreg",
			image: "quay.io/acme/exporter:v2",
			controls: []string{
				"exporter.image.repository repository",
				"exporter.image.tag tag",
			},
		},
		{
			name:  "version map entry and the empty image that would replace it",
			chart: "noglobal",
			image: "docker.io/acme/server:4.0-r2",
			controls: []string{
				`server.image slot`,
				`server.versionImageMap["4.0"] reference`,
			},
		},
		{
			name:     "image computed in the template, empty image value",
			chart:    "noglobal",
			image:    "docker.io/acme/proxy:v1.0.68",
			controls: []string{"proxy.image slot"},
		},
		{
			name:  "image object keyed image, digest pinned, global.image.registry",
			chart: "digests",
			image: "registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1",
			controls: []string{
				"controller.image.image repository",
				"controller.image.tag tag",
				"global.image.registry knob",
			},
		},
		{
			name:     "hard-coded in the template",
			chart:    "hardcoded",
			image:    "busybox:1.36",
			controls: []string{},
		},
		{
			name:  "the tag a template validates is skipped, the rest traced",
			chart: "hardcoded",
			image: "ghcr.io/acme/app:2.1",
			controls: []string{
				"image.registry registry",
				"image.repository repository",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := loadChart(t, fixture(tt.chart), chart.Values{})
			tr, err := overrides.Trace(context.Background(), c, overrides.TraceOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := controls(tr, tt.image); !slices.Equal(got, tt.controls) {
				t.Errorf("controls of %s =\n%q\nwant\n%q", tt.image, got, tt.controls)
			}
		})
	}
}

func TestTraceSkipsRejectedSentinels(t *testing.T) {
	t.Parallel()
	c := loadChart(t, fixture("hardcoded"), chart.Values{})
	tr, err := overrides.Trace(context.Background(), c, overrides.TraceOptions{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	var skipped []string
	for _, s := range tr.Skipped {
		skipped = append(skipped, s.Path.String())
	}
	if !slices.Equal(skipped, []string{"image.tag"}) {
		t.Errorf("skipped = %v, want [image.tag]", skipped)
	}
	// baseline, the failed sentinel render, its two halves (one fails, so
	// two more: the tag alone and its sibling), the knob.
	if tr.Renders < 4 || tr.Renders > 8 {
		t.Errorf("renders = %d", tr.Renders)
	}
	for _, img := range tr.Images {
		tmpl := img.TemplateOnly()
		want := !strings.HasPrefix(img.Ref.String(), "ghcr.io/")
		if tmpl != want {
			t.Errorf("%s: TemplateOnly = %v, want %v", img.Ref, tmpl, want)
		}
	}
}

func TestTraceErrors(t *testing.T) {
	t.Parallel()
	t.Run("no render function", func(t *testing.T) {
		t.Parallel()
		if _, err := overrides.Trace(context.Background(), overrides.Chart{}, overrides.TraceOptions{}); !errors.Is(err, overrides.ErrNoRender) {
			t.Errorf("err = %v, want ErrNoRender", err)
		}
	})
	t.Run("the chart does not render with the user's values", func(t *testing.T) {
		t.Parallel()
		c := loadChart(t, fixture("hardcoded"), chart.Values{Set: []string{"image.tag=latest"}})
		_, err := overrides.Trace(context.Background(), c, overrides.TraceOptions{})
		var re *overrides.RenderError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "MAJOR.MINOR") {
			t.Errorf("err = %v, want a *RenderError with the template's message", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		t.Parallel()
		c := loadChart(t, fixture("globalreg"), chart.Values{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := overrides.Trace(ctx, c, overrides.TraceOptions{}); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}
