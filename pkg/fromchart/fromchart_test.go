package fromchart_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/chart"
	"github.com/airlift-cli/airlift/pkg/fromchart"
)

func TestNew(t *testing.T) {
	dir := filepath.Join("..", "chart", "testdata", "charts", "app")
	l, err := chart.Load(context.Background(), chart.Source{Chart: dir}, chart.Values{Set: []string{"size=large"}},
		chart.Options{ReleaseName: "demo", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := fromchart.New(l)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "app" || c.Version != "1.2.3" || c.Values["size"] != "large" {
		t.Errorf("chart = %s %s, size %v", c.Name, c.Version, c.Values["size"])
	}
	var scopes []string
	for _, s := range c.Scopes {
		scopes = append(scopes, strings.Join(s.Keys, ".")+"="+s.Name)
	}
	if want := []string{"=app", "cache=cache", "jobs=worker", "metrics=metrics"}; !slices.Equal(scopes, want) {
		t.Errorf("scopes = %v, want %v", scopes, want)
	}
	manifest, err := c.Render(context.Background(), map[string]any{"color": "purple"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(manifest), `color: "purple"`) {
		t.Errorf("extra values not rendered:\n%s", manifest)
	}
}
