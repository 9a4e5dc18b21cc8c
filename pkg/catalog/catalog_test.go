package catalog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/catalog"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// TestDefaultValid: the embedded table parses, every release cites a file
// and a tag, and every default image parses.
func TestDefaultValid(t *testing.T) {
	t.Parallel()
	c := catalog.Default()
	if len(c.Operators) < 7 {
		t.Fatalf("%d operators, want at least 7", len(c.Operators))
	}
	for _, op := range c.Operators {
		if len(op.Groups) == 0 || len(op.Releases) == 0 {
			t.Errorf("%s: no groups or releases", op.Name)
		}
		for _, r := range op.Releases {
			if !strings.HasPrefix(r.Source.Ref, "v") || r.Source.Path == "" {
				t.Errorf("%s %s: source %v", op.Name, r.Versions, r.Source)
			}
			if len(r.Images) == 0 && len(r.Servers) == 0 {
				t.Errorf("%s %s: neither images nor servers", op.Name, r.Versions)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		image    string
		operator string // "" when not an operator
		versions string // the release's range, "" when not covered
	}{
		{"cloudnative-pg by version", "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0", "cloudnative-pg", "1.30.0"},
		{"in a mirror, the path still matches", "registry.example.com:5000/mirror/cloudnative-pg/cloudnative-pg:1.30.0", "cloudnative-pg", "1.30.0"},
		{"a v in the tag", "quay.io/prometheus-operator/prometheus-operator:v0.52.1", "prometheus-operator", ">= 0.52.0, <= 0.52.1"},
		{"a range", "ghcr.io/grafana/grafana-operator:v5.23.0", "grafana-operator", ">= 5.23.0, <= 5.24.0"},
		{"known operator, version not covered", "quay.io/prometheus-operator/prometheus-operator:v0.60.0", "prometheus-operator", ""},
		{"known operator, tag latest", "ghcr.io/cloudnative-pg/cloudnative-pg", "cloudnative-pg", ""},
		{"rook, in its range", "docker.io/rook/ceph:v1.19.10", "rook-ceph", ">= 1.19.4, <= 1.19.10"},
		{"rook, before the range (another COSI default)", "docker.io/rook/ceph:v1.19.3", "rook-ceph", ""},
		{"the Ceph image is not rook's", "quay.io/ceph/ceph:v19.2.3", "", ""},
		{"a repository that merely ends alike", "docker.io/acme/not-cloudnative-pg:1.30.0", "", ""},
		{"not an operator", "docker.io/library/busybox:1.36", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, ok := catalog.Default().Lookup(reference.MustParse(tt.image))
			if got := ""; ok {
				got = m.Operator.Name
				if got != tt.operator {
					t.Errorf("operator = %q, want %q", got, tt.operator)
				}
			} else if tt.operator != "" {
				t.Fatalf("not found, want %s", tt.operator)
			}
			versions := ""
			if ok && m.Release != nil {
				versions = m.Release.Versions
			}
			if versions != tt.versions {
				t.Errorf("release = %q, want %q", versions, tt.versions)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, table string
	}{
		{"bad constraint", "operators: [{name: a, repositories: [a/b], releases: [{versions: 'x y', source: {repo: a/b, ref: v1, path: f}}]}]"},
		{"no source", "operators: [{name: a, repositories: [a/b], releases: [{versions: '1.0.0'}]}]"},
		{"bad image", "operators: [{name: a, repositories: [a/b], releases: [{versions: '1.0.0', source: {repo: a/b, ref: v1, path: f}, images: [{image: 'Bad:Image'}]}]}]"},
		{"no repositories", "operators: [{name: a}]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := catalog.Parse([]byte(tt.table)); !errors.Is(err, catalog.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestCondition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		c     catalog.Condition
		value string
		want  bool
	}{
		{"equals", catalog.Condition{Equals: "dse"}, "dse", true},
		{"not equals", catalog.Condition{Equals: "dse", Not: true}, "cassandra", true},
		{"prefix", catalog.Condition{Prefix: "3"}, "3.11.14", true},
		{"not prefix of unset", catalog.Condition{Prefix: "3", Not: true}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.c.Holds(tt.value); got != tt.want {
				t.Errorf("Holds(%q) = %v", tt.value, got)
			}
		})
	}
}
