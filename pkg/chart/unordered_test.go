package chart_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/chart"
)

// TestRenderUnordered: the same documents as Render, in another order, test
// hooks left out the same way.
func TestRenderUnordered(t *testing.T) {
	t.Parallel()
	for _, skip := range []bool{false, true} {
		opts := chart.Options{SkipTests: skip, CacheDir: t.TempDir()}
		l, err := chart.Load(context.Background(), chart.Source{Chart: fixture("app")}, chart.Values{}, opts)
		if err != nil {
			t.Fatal(err)
		}
		sorted, err := l.Render(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		unordered, err := l.RenderUnordered(context.Background(), map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		want, got := documents(sorted.Manifest), documents(unordered.Manifest)
		if !slices.Equal(got, want) {
			t.Errorf("SkipTests %v: documents\n%q\nwant\n%q", skip, got, want)
		}
	}
}

// documents splits a manifest stream into its documents, sorted.
func documents(manifest []byte) []string {
	var out []string
	for d := range strings.SplitSeq(string(manifest), "---\n") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// TestSplitDocumentsAsHelm: the documents of a file as Helm splits them.
func TestSplitDocumentsAsHelm(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"",
		"a: 1",
		"---\na: 1\n---\nb: 2\n",
		"a: 1\n---   \nb: 2\n--- # c\nc: 3",
		"\n\n---\n---\na: |\n  x\n  ---\n",
		"a: 1\r\n---\r\nb: 2\r\n",
	} {
		got := chart.SplitDocuments(in)
		want := chart.HelmSplit(in)
		if !slices.Equal(got, want) {
			t.Errorf("%q: documents %q, want %q", in, got, want)
		}
	}
}
