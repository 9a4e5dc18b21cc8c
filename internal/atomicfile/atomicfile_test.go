package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.yaml")
	for _, content := range []string{"first\n", "second\n"} {
		if err := Write(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if string(b) != content {
			t.Errorf("content %q, want %q", b, content)
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", st.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// TestWriteFailures makes each step of Write fail in turn: before the
// rename the target keeps its old content (or stays absent) and no
// temporary file is left; after it (the directory sync) the new content is
// in place and the error is still returned.
func TestWriteFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("injected failure")
	fail1 := func(*os.File) error { return boom }
	tests := []struct {
		name     string
		fail     func(c *calls)
		replaced bool // the new content is in place despite the error
	}{
		{name: "create temporary file", fail: func(c *calls) { c.createTemp = func(string, string) (*os.File, error) { return nil, boom } }},
		{name: "write", fail: func(c *calls) {
			c.writeFile = func(f *os.File, b []byte) (int, error) { n, _ := f.Write(b[:len(b)/2]); return n, boom }
		}},
		{name: "sync file", fail: func(c *calls) { c.syncFile = fail1 }},
		{name: "close file", fail: func(c *calls) { c.closeFile = func(f *os.File) error { f.Close(); return boom } }},
		{name: "chmod", fail: func(c *calls) { c.chmod = func(string, os.FileMode) error { return boom } }},
		{name: "rename", fail: func(c *calls) { c.rename = func(string, string) error { return boom } }},
		{name: "sync directory", fail: func(c *calls) { c.syncDir = func(string) error { return boom } }, replaced: true},
	}
	for _, tt := range tests {
		for _, existed := range []bool{false, true} {
			name := tt.name + "/new file"
			if existed {
				name = tt.name + "/replacing a file"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				path := filepath.Join(dir, "out.lock")
				if existed {
					if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				c := osCalls
				tt.fail(&c)
				err := c.write(path, []byte("new content"), 0o644)
				if !errors.Is(err, boom) {
					t.Fatalf("write = %v, want the injected failure", err)
				}
				b, readErr := os.ReadFile(path)
				switch {
				case tt.replaced:
					if string(b) != "new content" {
						t.Errorf("content %q, want the new content", b)
					}
				case existed:
					if string(b) != "old" {
						t.Errorf("content %q, want the old content", b)
					}
				case !os.IsNotExist(readErr):
					t.Errorf("the file exists after a failed write (%q, %v)", b, readErr)
				}
				entries, _ := os.ReadDir(dir)
				want := 0
				if existed || tt.replaced {
					want = 1
				}
				if len(entries) != want {
					t.Errorf("directory holds %v, want %d file(s): a temporary file is left", entries, want)
				}
			})
		}
	}
}

func TestWriteMissingDirectory(t *testing.T) {
	t.Parallel()
	err := Write(filepath.Join(t.TempDir(), "missing", "x"), nil, 0o644)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Write into a missing directory = %v, want ErrNotExist", err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, wantErr string
	}{
		{name: "new file", path: filepath.Join(dir, "out.yaml")},
		{name: "a directory", path: dir, wantErr: "it is a directory"},
		{name: "missing directory", path: filepath.Join(dir, "nope", "out.yaml"), wantErr: "no such file or directory"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		tests = append(tests, struct{ name, path, wantErr string }{"read-only directory", filepath.Join(readOnly, "out.yaml"), "permission denied"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.path)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Check(%s) = %v, want %q", tt.path, err, tt.wantErr)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Check left files behind: %v", entries)
	}
}
