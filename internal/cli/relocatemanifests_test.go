package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWhyPrecedence: images -m --why names the layer that decided a
// datacenter's server image: datacenter > cluster > ImageConfig default.
func TestWhyPrecedence(t *testing.T) {
	tests := []struct {
		name, image, layer string
	}{
		{"set at both levels", "example.com/dc1/cass-management-api:4.1.8", "datacenter level"},
		{"set at cluster level only", "example.com/cluster/cass-management-api:4.1.8", "cluster level"},
		{"set at neither level", "cr.k8ssandra.io/k8ssandra/cass-management-api:5.0.4", "ImageConfig default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, "", "images", "-m", "testdata/precedence", "--why", tt.image)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(out, "("+tt.layer+": ") {
				t.Errorf("--why %s does not name the %s:\n%s", tt.image, tt.layer, out)
			}
			golden(t, "why-"+strings.ReplaceAll(tt.name, " ", "-")+".txt", out)
		})
	}
}

// TestRelocateManifests: relocate -m rewrites manifests and says how the
// ImageConfig moved; with --kustomize it writes a Component instead.
func TestRelocateManifests(t *testing.T) {
	t.Run("manifests", func(t *testing.T) {
		code, out, errOut := run(t, "", "relocate", "-m", "testdata/precedence", "--to", "mirror.example.com:5000/m")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(errOut, "the version mapping keeps working") {
			t.Errorf("stderr does not say the version mapping keeps working:\n%s", errOut)
		}
		golden(t, "relocate-manifests.yaml", out)
		golden(t, "relocate-manifests.stderr.txt", errOut)
		code, imgs, errOut := run(t, out, "images", "-m", "-")
		if code != 0 {
			t.Fatalf("images of the result: exit %d: %s", code, errOut)
		}
		for l := range strings.Lines(imgs) {
			if !strings.HasPrefix(l, "mirror.example.com:5000/m/") {
				t.Errorf("not in the mirror after relocation: %s", l)
			}
		}
	})
	t.Run("output file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "relocated.yaml")
		code, out, errOut := run(t, "", "relocate", "-m", "testdata/precedence", "--to", "mirror.example.com:5000/m", "--output-file", path)
		if code != 0 || out != "" {
			t.Fatalf("exit %d, stdout %q: %s", code, out, errOut)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "relocate-manifests.yaml", string(data))
	})
	t.Run("kustomize", func(t *testing.T) {
		dir := t.TempDir()
		code, out, errOut := run(t, "", "relocate", "-m", "testdata/manifests", "--to", "mirror.example.com:5000/m", "--kustomize", dir)
		if code != 0 || out != "" {
			t.Fatalf("exit %d, stdout %q: %s", code, out, errOut)
		}
		data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "relocate-kustomization.yaml", string(data))
		golden(t, "relocate-kustomize.stderr.txt", strings.ReplaceAll(errOut, dir, "DIR"))
	})
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"kustomize without manifests", []string{"relocate", "testdata/charts/demo", "--to", "r.example.com", "--kustomize", "x"}, "--kustomize needs -m"},
		{"manifests and a chart", []string{"relocate", "testdata/charts/demo", "-m", "x.yaml", "--to", "r.example.com"}, "not both"},
		{"no destination", []string{"relocate", "-m", "testdata/manifests"}, "--to"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(t, "", tt.args...)
			if code == 0 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q: want a usage error with %q", code, errOut, tt.want)
			}
		})
	}
}

// TestRelocateManifestsSyntaxError: a document that is not YAML is named
// with its input and its line there, though relocate joins its inputs into
// one stream; nothing is written.
func TestRelocateManifestsSyntaxError(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(ok, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: \"a:1\"}]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("a: 1\n---\nb: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"the second of two files", "", []string{"-m", ok, "-m", bad}, bad + " (input line 3): yaml: "},
		{"stdin", "x: [\n", []string{"-m", "-"}, "(stdin) (input line 1): yaml: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.yaml")
			code, _, errOut := run(t, tt.stdin, append([]string{"relocate", "--to", "m.example/x", "--output-file", out}, tt.args...)...)
			if code != 1 || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 1 and one line with %q", code, errOut, tt.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s written", out)
			}
		})
	}
}
