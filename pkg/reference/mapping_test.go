package reference

import (
	"errors"
	"strings"
	"testing"
)

func TestMap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, dest string
		layout     Layout
		src, want  string
	}{
		{"keep path drops the host", "registry.example.com:5000/mirror", KeepPath, "quay.io/stackstate/x:1", "registry.example.com:5000/mirror/stackstate/x:1"},
		{"docker hub official image", "registry.example.com:5000/mirror", KeepPath, "busybox:1.36", "registry.example.com:5000/mirror/library/busybox:1.36"},
		{"no prefix", "registry.example.com", KeepPath, "ghcr.io/a/b/c:2", "registry.example.com/a/b/c:2"},
		{"tag and digest kept", "r.example.com", KeepPath,
			"registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1",
			"r.example.com/ingress-nginx/controller:v1.15.1@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1"},
		{"digest only", "r.example.com", KeepPath,
			"quay.io/a/b@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1",
			"r.example.com/a/b@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1"},
		{"keep host", "r.example.com/m", KeepHost, "quay.io/stackstate/x:1", "r.example.com/m/quay.io/stackstate/x:1"},
		{"keep host with a port", "r.example.com", KeepHost, "localhost:5000/x:1", "r.example.com/localhost_5000/x:1"},
		{"flatten", "r.example.com/m", Flatten, "quay.io/stackstate/x:1", "r.example.com/m/x:1"},
		{"ecr", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror", KeepPath, "docker.io/bitnami/postgresql:17.6.0-debian-12-r4",
			"123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/bitnami/postgresql:17.6.0-debian-12-r4"},
		{"localhost", "localhost:5000", KeepPath, "nginx", "localhost:5000/library/nginx:latest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseDestination(tt.dest, tt.layout)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Map(MustParse(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("Map(%s) = %s, want %s", tt.src, got, tt.want)
			}
		})
	}
}

func TestParseDestinationErrors(t *testing.T) {
	t.Parallel()
	for _, dest := range []string{"", "https://r.example.com", "r.example.com/x:1", "r.example.com/x@sha256:abc", "Registry.example.com", "r.example.com/UPPER", "justaword", "r.example.com/a//b", "r.example.com//x"} {
		t.Run(dest, func(t *testing.T) {
			t.Parallel()
			_, err := ParseDestination(dest, KeepPath)
			if err == nil || !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "\n") {
				t.Errorf("ParseDestination(%q) = %v, want a one-line invalid-reference error", dest, err)
			}
		})
	}
}

func TestMapAll(t *testing.T) {
	t.Parallel()
	m, _ := ParseDestination("r.example.com", Flatten)
	pairs, err := m.MapAll([]Reference{MustParse("quay.io/a/x:1"), MustParse("quay.io/a/y:1"), MustParse("quay.io/a/x:1")})
	if err != nil || len(pairs) != 2 || pairs[0].Target.String() != "r.example.com/x:1" {
		t.Fatalf("pairs %v, err %v", pairs, err)
	}
	_, err = m.MapAll([]Reference{MustParse("quay.io/a/x:1"), MustParse("ghcr.io/b/x:1"), MustParse("docker.io/c/y:2"), MustParse("quay.io/d/y:2")})
	var ce *CollisionError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a collision", err)
	}
	want := "images collide in the target: docker.io/c/y:2 and quay.io/d/y:2 both map to r.example.com/y:2; ghcr.io/b/x:1 and quay.io/a/x:1 both map to r.example.com/x:1"
	if err.Error() != want {
		t.Errorf("err = %q\nwant %q", err, want)
	}
	// The same image under two names is one source, not a collision.
	m, _ = ParseDestination("r.example.com", KeepPath)
	if pairs, err := m.MapAll([]Reference{MustParse("busybox"), MustParse("docker.io/library/busybox:latest")}); err != nil || len(pairs) != 1 {
		t.Errorf("pairs %v, err %v", pairs, err)
	}
}
