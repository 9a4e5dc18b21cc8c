package overrides_test

import (
	"testing"

	"github.com/airlift-cli/airlift/pkg/overrides"
)

func TestPathString(t *testing.T) {
	tests := []struct {
		name string
		path overrides.Path
		want string
	}{
		{"keys", overrides.KeyPath("global.imageRegistry"), "global.imageRegistry"},
		{"list index", overrides.KeyPath("kafka.initContainers").Child(overrides.Index(0), overrides.Key("image")), "kafka.initContainers[0].image"},
		{"key with a dot", overrides.KeyPath("cassandra.versionImageMap").Child(overrides.Key("4.0.3")), `cassandra.versionImageMap["4.0.3"]`},
		{"dashes stay plain", overrides.KeyPath("prometheus-elasticsearch-exporter.image"), "prometheus-elasticsearch-exporter.image"},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.path.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPathPrefix(t *testing.T) {
	p := overrides.KeyPath("a.b.c")
	if !p.HasPrefix(overrides.KeyPath("a.b")) || p.HasPrefix(overrides.KeyPath("a.c")) || p.HasPrefix(overrides.KeyPath("a.b.c.d")) {
		t.Error("HasPrefix is wrong")
	}
	if p.Last() != "c" || p.Child(overrides.Index(1)).Last() != "" {
		t.Error("Last is wrong")
	}
	q := p.Child(overrides.Key("x"))
	r := p.Child(overrides.Key("y"))
	if q.String() != "a.b.c.x" || r.String() != "a.b.c.y" {
		t.Errorf("Child shares its backing array: %s %s", q, r)
	}
}
