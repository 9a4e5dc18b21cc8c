package blobindex

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

var (
	d1 = digest.FromString("one")
	d2 = digest.FromString("two")
)

func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, content, wantErr string
		missing                bool
	}{
		{name: "no file", missing: true},
		{name: "not JSON", content: "{", wantErr: "ignored"},
		{name: "another version", content: `{"version":2,"blobs":[]}`, wantErr: "version 2"},
		{name: "entries", content: `{"version":1,"blobs":[{"registry":"r.example","digest":"` + d1.String() + `","repository":"a/app","seen":1}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if !tt.missing {
				if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			x, err := Open(path)
			if x == nil {
				t.Fatal("Open returned no index")
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Open = %v, want %q", err, tt.wantErr)
			}
			repo, ok := x.Lookup("r.example", d1)
			if want := tt.name == "entries"; ok != want || want && repo != "a/app" {
				t.Errorf("Lookup = %q, %t", repo, ok)
			}
		})
	}
}

// TestSave: what one run records, the next finds; two runs saving one
// after the other keep both's entries; the bound keeps the newest.
func TestSave(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "cache", "blobs.json")
	a, _ := Open(path)
	b, _ := Open(path) // another process, opened before a saved
	a.Record("r.example", "a/app", d1)
	b.Record("r.example", "b/app", d2)
	for _, x := range []*Index{a, b} {
		if err := x.Save(); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if repo, _ := c.Lookup("r.example", d1); repo != "a/app" {
		t.Errorf("d1 in %q, want a/app (saved by the first run)", repo)
	}
	if repo, _ := c.Lookup("r.example", d2); repo != "b/app" {
		t.Errorf("d2 in %q, want b/app", repo)
	}
	if _, ok := c.Lookup("other.example", d1); ok {
		t.Error("an entry of another registry")
	}

	c.max = 1
	c.entries[key{"r.example", d2}] = entry{repository: "b/app", seen: 1 << 40} // the newest
	c.dirty = true
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	d, _ := Open(path)
	if _, ok := d.Lookup("r.example", d1); ok || len(d.entries) != 1 {
		t.Errorf("after a save bounded to 1: %v", d.entries)
	}
}

func TestValidDigest(t *testing.T) {
	hex64 := strings.Repeat("ab12", 16)
	tests := []struct {
		name string
		d    digest.Digest
		want bool
	}{
		{"sha256", digest.Digest("sha256:" + hex64), true},
		{"sha512 (not linked in: unsupported)", digest.Digest("sha512:" + hex64 + hex64), false},
		{"short", digest.Digest("sha256:" + hex64[:63]), false},
		{"upper-case hex", digest.Digest("sha256:" + strings.ToUpper(hex64)), false},
		{"no algorithm", digest.Digest(hex64), false},
		{"unknown algorithm", digest.Digest("md5:" + hex64[:32]), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validDigest(tt.d); got != tt.want {
				t.Errorf("validDigest(%q) = %v, want %v", tt.d, got, tt.want)
			}
			if got := tt.d.Validate() == nil; got != tt.want {
				t.Errorf("digest.Validate(%q) agrees: %v, want %v", tt.d, got, tt.want)
			}
		})
	}
}

// A blob recorded while the file is still being read is kept, and is
// newer than what the file says of the same blob.
func TestLoadRecordWhileReading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blobs.json")
	d := digest.FromString("a")
	old, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	old.Record("r.example", "old/repo", d)
	old.Record("r.example", "kept/repo", digest.FromString("b"))
	if err := old.Save(); err != nil {
		t.Fatal(err)
	}
	x := Load(path)
	x.Record("r.example", "new/repo", d)
	if err := x.Err(); err != nil {
		t.Fatal(err)
	}
	if repo, _ := x.Lookup("r.example", d); repo != "new/repo" {
		t.Errorf("Lookup = %q, want the repository recorded during the load", repo)
	}
	if repo, _ := x.Lookup("r.example", digest.FromString("b")); repo != "kept/repo" {
		t.Errorf("Lookup = %q, want the file's entry", repo)
	}
}
