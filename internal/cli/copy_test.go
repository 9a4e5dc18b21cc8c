package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
)

// TestCopyChartValuesFromStdin: values given as -f - are still there when
// the copy renders the chart (the temporary file used to be removed
// before).
func TestCopyChartValuesFromStdin(t *testing.T) {
	src, dst := testregistry.Start(t), testregistry.Start(t)
	img, err := testimage.Push(context.Background(), src.Host, testimage.Spec{Repository: "team/one", Tag: "1", Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "image: "+src.Host+"/team/one:1\n", "copy", "testdata/charts/one", "-f", "-", "--to", dst.Host+"/m", "--no-progress")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "1 images: 1 copied") {
		t.Errorf("summary: %s", stderr)
	}
	repo, _ := testimage.Repository(dst.Host, "m/team/one")
	if d, err := repo.Resolve(context.Background(), "1"); err != nil || d.Digest != img.Index.Digest {
		t.Errorf("target: %v %v, want %s", d.Digest, err, img.Index.Digest)
	}
}
