package copyjob

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
)

func TestParseShard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Shard
		err  bool
	}{
		{"1/1", Shard{1, 1}, false}, {"2/4", Shard{2, 4}, false}, {"4/4", Shard{4, 4}, false},
		{"0/4", Shard{}, true}, {"5/4", Shard{}, true}, {"1/0", Shard{}, true}, {"a/b", Shard{}, true}, {"3", Shard{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseShard(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("ParseShard(%q) = %v, %v", tt.in, got, err)
			}
		})
	}
}

func TestShardsPartitionTheImages(t *testing.T) {
	t.Parallel()
	var refs []string
	for _, c := range "abcdefghij" {
		refs = append(refs, "quay.io/org/"+string(c)+":1")
	}
	m, _ := reference.ParseDestination("r.example.com", reference.KeepPath)
	seen := map[string]int{}
	for i := 1; i <= 3; i++ {
		pairs, _, err := Pairs(context.Background(), Request{Images: refs, Mapping: m, Shard: Shard{i, 3}})
		if err != nil {
			t.Fatal(err)
		}
		if len(pairs) < 3 || len(pairs) > 4 {
			t.Errorf("shard %d/3 has %d images: unbalanced", i, len(pairs))
		}
		for _, p := range pairs {
			seen[p.Source.String()]++
		}
	}
	if len(seen) != len(refs) {
		t.Errorf("shards cover %d of %d images", len(seen), len(refs))
	}
	for s, n := range seen {
		if n != 1 {
			t.Errorf("%s in %d shards", s, n)
		}
	}
}

func TestPairsErrors(t *testing.T) {
	t.Parallel()
	m, _ := reference.ParseDestination("r.example.com", reference.Flatten)
	_, _, err := Pairs(context.Background(), Request{Images: []string{"quay.io/a/x:1", "ghcr.io/b/x:1"}, Mapping: m})
	var ce *reference.CollisionError
	if !errors.As(err, &ce) {
		t.Errorf("collision: %v", err)
	}
	if _, _, err := Pairs(context.Background(), Request{Mapping: m}); err == nil {
		t.Error("no images: no error")
	}
	if _, _, err := Pairs(context.Background(), Request{Images: []string{"Bad:Ref"}, Mapping: m}); !errors.Is(err, reference.ErrInvalid) {
		t.Errorf("bad reference: %v", err)
	}
}

func TestLock(t *testing.T) {
	t.Parallel()
	d1, d2 := digest.FromString("a"), digest.FromString("b")
	results := []mirror.Result{
		{Image: reference.Pair{Source: reference.MustParse("quay.io/a/x:1"), Target: reference.MustParse("r.example.com/a/x:1")}, Status: mirror.Copied, SourceDigest: d1, TargetDigest: d1},
		{Image: reference.Pair{Source: reference.MustParse("quay.io/a/y:1"), Target: reference.MustParse("r.example.com/a/y:1")}, Status: mirror.Present, SourceDigest: d1, TargetDigest: d2, Filtered: true},
		{Image: reference.Pair{Source: reference.MustParse("quay.io/a/z:1"), Target: reference.MustParse("r.example.com/a/z:1")}, Status: mirror.Failed},
	}
	path := filepath.Join(t.TempDir(), "images.lock")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := NewLock("r.example.com", results).WriteFile(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	s := string(b)
	for _, want := range []string{"source: quay.io/a/x:1", "target: r.example.com/a/y:1", "targetDigest: " + d2.String(), "destination: r.example.com"} {
		if !strings.Contains(s, want) {
			t.Errorf("lock lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "quay.io/a/z") {
		t.Errorf("a failed image is in the lock:\n%s", s)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if err := NewLock("r", results).WriteFile(filepath.Join(t.TempDir(), "missing", "x.lock")); err == nil {
		t.Error("writing into a missing directory: no error")
	}
}
