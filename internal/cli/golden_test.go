package cli

import (
	"path/filepath"
	"testing"

	"github.com/airlift-cli/airlift/internal/goldenfile"
)

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", "golden", name), []byte(got))
}

func TestGoldenExample(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"platform-images.txt", []string{"images", "../../examples/platform"}},
		{"platform-images.yaml", []string{"images", "../../examples/platform", "-o", "yaml"}},
		{"platform-images-relocated.txt", []string{"images", "../../examples/platform", "--skip-tests", "--set", "global.imageRegistry=registry.internal:5000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, "", tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, tt.name, out)
		})
	}
}
