package overrides

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/reference"
)

func TestAssign(t *testing.T) {
	t.Parallel()
	base := map[string]any{
		"kafka": map[string]any{
			"initContainers": []any{
				map[string]any{"name": "a", "image": "busybox:1"},
				map[string]any{"name": "b", "image": "busybox:2"},
			},
		},
	}
	dst := map[string]any{}
	for _, a := range []struct {
		p Path
		v any
	}{
		{KeyPath("global.imageRegistry"), "r"},
		{KeyPath("kafka.initContainers").Child(Index(1), Key("image")), "x"},
		{KeyPath("kafka.initContainers").Child(Index(0), Key("image")), "y"},
	} {
		if err := assign(dst, base, a.p, a.v); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]any{
		"global": map[string]any{"imageRegistry": "r"},
		"kafka": map[string]any{"initContainers": []any{
			map[string]any{"name": "a", "image": "y"},
			map[string]any{"name": "b", "image": "x"},
		}},
	}
	if !reflect.DeepEqual(dst, want) {
		t.Errorf("dst = %v\nwant %v", dst, want)
	}
	if base["kafka"].(map[string]any)["initContainers"].([]any)[0].(map[string]any)["image"] != "busybox:1" {
		t.Error("assign changed the base values")
	}
	if err := assign(dst, base, KeyPath("nope").Child(Index(0)), "z"); err == nil {
		t.Error("no error for a list that is not in the values")
	}
}

func TestMarkers(t *testing.T) {
	t.Parallel()
	reg := &candidate{id: 1, role: Registry, orig: "docker.io"}
	repo := &candidate{id: 2, role: Repository, orig: "busybox"}
	tag := &candidate{id: 3, role: Tag, orig: "1.36"}
	hostRepo := &candidate{id: 4, role: Repository, orig: "quay.io/acme/exporter"}
	ref := &candidate{id: 5, role: Reference, orig: "acme/server:4.0-r2"}
	empty := &candidate{id: 6, role: Registry, orig: ""}
	cands := map[int]*candidate{1: reg, 2: repo, 3: tag, 4: hostRepo, 5: ref, 6: empty}

	tests := []struct {
		name     string
		rendered string
		ids      []int
		set      map[int]string
		want     string
	}{
		{"registry, repository, tag; originals back", "c0001.sentinel.invalid/sentinel/c0002/busybox:1.36-c0003", []int{1, 2, 3}, nil, "docker.io/library/busybox:1.36"},
		{"registry and library/ set", "c0001.sentinel.invalid/sentinel/c0002/busybox:1.36-c0003", []int{1, 2, 3},
			map[int]string{1: "r.example.com/m", 2: "library/busybox"}, "r.example.com/m/library/busybox:1.36"},
		{"repository with its host", "c0004.sentinel.invalid/acme/exporter:v2", []int{4}, map[int]string{4: "r.example.com/m/acme/exporter"}, "r.example.com/m/acme/exporter:v2"},
		{"whole reference", "c0005.sentinel.invalid/acme/server:4.0-r2", []int{5}, nil, "docker.io/acme/server:4.0-r2"},
		{"an empty registry drops out with its slash", "c0006.sentinel.invalid/c0004.sentinel.invalid/acme/exporter:v2", []int{4, 6}, nil, "quay.io/acme/exporter:v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := reference.MustParse(tt.rendered)
			ids := markersIn(r.String())
			slices.Sort(ids)
			if !slices.Equal(dedupe(ids), tt.ids) {
				t.Errorf("markersIn = %v, want %v", ids, tt.ids)
			}
			got, err := compose(r)[0].predict(cands, tt.set)
			if err != nil || got.String() != reference.MustParse(tt.want).String() {
				t.Errorf("predict = %v, %v; want %s", got, err, tt.want)
			}
		})
	}
	for c, want := range map[*candidate]string{
		reg: "c0001.sentinel.invalid", repo: "sentinel/c0002/busybox", tag: "1.36-c0003",
		hostRepo: "c0004.sentinel.invalid/acme/exporter", ref: "c0005.sentinel.invalid/acme/server:4.0-r2",
	} {
		if got := c.markerValue(); got != want {
			t.Errorf("markerValue(%s) = %v, want %s", c.role, got, want)
		}
	}
}

func TestWritten(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][2]string{
		"busybox":                         {"busybox", ""},
		"busybox:1.36":                    {"busybox", ":1.36"},
		"localhost:5000/a/b":              {"localhost:5000/a/b", ""},
		"localhost:5000/a/b:v1@sha256:ab": {"localhost:5000/a/b", ":v1@sha256:ab"},
	} {
		name, suffix := written(in)
		if name != want[0] || suffix != want[1] {
			t.Errorf("written(%q) = %q, %q; want %q", in, name, suffix, want)
		}
	}
}

func TestSetIn(t *testing.T) {
	t.Parallel()
	values := map[string]any{
		"image":   map[string]any{"repository": "acme/app"},
		"whole":   "acme/app:1",
		"sidecar": []any{map[string]any{"image": "x:1"}},
	}
	tests := []struct {
		name string
		path Path
		want bool
	}{
		{"a set leaf", KeyPath("image.repository"), true},
		{"a sibling not set", KeyPath("image.registry"), false},
		{"under a string that replaces the object", KeyPath("whole.repository"), true},
		{"a list element", Path{Key("sidecar"), Index(0), Key("image")}, true},
		{"past the end of a list", Path{Key("sidecar"), Index(1), Key("image")}, false},
		{"not set at all", KeyPath("other.image"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := setIn(values, tt.path); got != tt.want {
				t.Errorf("setIn(%s) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

func TestNamesImage(t *testing.T) {
	t.Parallel()
	ref := reference.MustParse("quay.io/acme/app:1.0")
	hub := reference.MustParse("busybox:1.36")
	tests := []struct {
		name string
		cand candidate
		ref  reference.Reference
		want bool
	}{
		{"registry", candidate{role: Registry, orig: "quay.io"}, ref, true},
		{"registry with a path", candidate{role: Registry, orig: "quay.io/acme"}, ref, true},
		{"another registry", candidate{role: Registry, orig: "ghcr.io"}, ref, false},
		{"repository", candidate{role: Repository, orig: "acme/app"}, ref, true},
		{"repository with the registry", candidate{role: Repository, orig: "quay.io/acme/app"}, ref, true},
		{"repository of an official image", candidate{role: Repository, orig: "busybox"}, hub, true},
		{"a repository that only ends alike", candidate{role: Repository, orig: "app"}, reference.MustParse("quay.io/acme/myapp:1"), false},
		{"whole reference", candidate{role: Reference, orig: "quay.io/acme/app:1.0"}, ref, true},
		{"whole reference, other tag", candidate{role: Reference, orig: "quay.io/acme/app:2.0"}, ref, false},
		{"a tag never names an image", candidate{role: Tag, orig: "1.0"}, ref, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := namesImage(&tt.cand, tt.ref); got != tt.want {
				t.Errorf("namesImage = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNoteVersionMaps(t *testing.T) {
	values := map[string]any{
		"cassandra": map[string]any{
			"version": "4.0.0",
			"versionImageMap": map[string]any{
				"3.11.10": "k8ssandra/cass-management-api:3.11.10-v0.1.27",
				"4.0.0":   "k8ssandra/cass-management-api:4.0.0-v0.1.28",
				"4.0.1":   "k8ssandra/cass-management-api:4.0.1-v0.1.28",
			},
		},
		"app":    map[string]any{"image": "quay.io/org/app:1", "sidecar": "quay.io/org/side:1"},
		"images": []any{"quay.io/org/app:1", "quay.io/org/app:2"},
	}
	moves := []reference.Pair{{}}
	tests := []struct {
		name string
		path Path
		want string // substring of the note, "" for none
	}{
		{"a version map entry names the other versions", Path{Key("cassandra"), Key("versionImageMap"), Key("4.0.0")}, "the other 2 (3.11.10, 4.0.1) are not"},
		{"siblings of other repositories are no version map", KeyPath("app.image"), ""},
		{"a list entry is left alone", Path{Key("images"), Index(0)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &Overrides{Entries: []Entry{{Path: tt.path, Kind: ImageEntry, Moves: moves}}}
			noteVersionMaps(o, values)
			got := o.Entries[0].Note
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("note = %q, want %q", got, tt.want)
			}
		})
	}
}
