package cli

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestDelegate: the light binary (no Charts) hands exactly the command
// lines that need a chart to Setup.Delegate, before reading any input,
// and exits with the code the delegate returns; everything else runs in
// process.
func TestDelegate(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		delegate bool
	}{
		{"images of a chart", []string{"images", "testdata/charts/demo", "-o", "json"}, true},
		{"images of manifests", []string{"images", "-m", "-"}, false},
		{"values", []string{"values", "testdata/charts/demo", "--to", "r.example/m", "-f", "-"}, true},
		{"check", []string{"check", "testdata/charts/demo", "--to", "r.example/m", "--overrides", "missing.yaml"}, true},
		{"relocate", []string{"relocate", "testdata/charts/demo", "--to", "r.example/m", "-o", "x.yaml"}, true},
		{"copy of a chart", []string{"copy", "testdata/charts/demo", "--to", "r.example/m", "-f", "-"}, true},
		{"copy of an oci chart", []string{"copy", "oci://r.example/charts/demo", "--to", "r.example/m", "--dry-run"}, true},
		{"copy of images", []string{"copy", "--images", "-", "--to", "127.0.0.1:1/m", "--dry-run", "--retries", "1"}, false},
		{"version", []string{"version"}, false},
		{"help", []string{"images", "--help"}, false},
		{"usage error", []string{"values", "--to", "r.example/m"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			setup := Setup{Delegate: func(_ context.Context, args []string) (int, error) {
				got = args
				return 7, nil
			}}
			stdin := "image: busybox:1.36\n"
			code, _, stderr := runWith(t, setup, stdin, tt.args...)
			if !tt.delegate {
				if got != nil {
					t.Fatalf("delegated %q", got)
				}
				return
			}
			if !slices.Equal(got, tt.args) {
				t.Fatalf("delegated %q, want %q (stderr %s)", got, tt.args, stderr)
			}
			if code != 7 || stderr != "" {
				t.Errorf("exit %d, stderr %q; want the delegate's 7 and nothing", code, stderr)
			}
		})
	}
}

func TestDelegateFails(t *testing.T) {
	setup := Setup{Delegate: func(context.Context, []string) (int, error) {
		return 0, errors.New("rendering a chart needs airlift-charts: not found")
	}}
	code, _, stderr := runWith(t, setup, "", "images", "testdata/charts/demo")
	if code != ExitError || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "needs airlift-charts") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runWith(t, Setup{}, "", "images", "testdata/charts/demo")
	if code != ExitError || !strings.Contains(stderr, ErrNoCharts.Error()) {
		t.Errorf("no charts, no delegate: exit %d, stderr %q", code, stderr)
	}
}

// TestVersionSkew: airlift-charts started by an airlift of another
// version says so, once, and goes on.
func TestVersionSkew(t *testing.T) {
	old := Version
	t.Cleanup(func() { Version = old })
	Version = "v1.2.0"
	tests := []struct {
		name, from string
		warn       bool
	}{
		{"same version", "v1.2.0", false},
		{"other version", "v1.1.0", true},
		{"not delegated", "", false},
		{"from a development build", "(devel)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDelegatedFrom, tt.from)
			code, out, stderr := run(t, "", "version")
			if code != 0 || out != "airlift v1.2.0\n" {
				t.Fatalf("exit %d, out %q", code, out)
			}
			if got := strings.Contains(stderr, "warning: ") && strings.Contains(stderr, "v1.1.0"); got != tt.warn {
				t.Errorf("stderr %q, want warning %v", stderr, tt.warn)
			}
		})
	}
}
