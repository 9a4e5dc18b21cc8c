package layout

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// layoutRegistry is the registry name under which the tests address the
// layout in the copy engine.
const layoutRegistry = "archive"

// engineRepos routes the engine's repositories: the layout for
// layoutRegistry, plain-HTTP registries otherwise.
func engineRepos(l *Layout, source map[string]string) func(context.Context, string, string) (mirror.Repo, error) {
	return func(_ context.Context, reg, repo string) (mirror.Repo, error) {
		if reg == layoutRegistry {
			return l.Repository(repo, func(tag string) string { return source[repo+":"+tag] }), nil
		}
		return testimage.Repository(reg, repo)
	}
}

// fixture pushes a signed, attested two-platform image to a registry.
func fixture(t *testing.T, host string) (testimage.Image, reference.Reference) {
	t.Helper()
	ctx := context.Background()
	img, err := testimage.Push(ctx, host, testimage.Spec{Repository: "team/app", Tag: "1.0", Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testimage.Sign(ctx, host, "team/app", img.Index); err != nil {
		t.Fatal(err)
	}
	if _, err := testimage.Refer(ctx, host, "team/app", img.Index, "application/vnd.example.sbom"); err != nil {
		t.Fatal(err)
	}
	return img, reference.Reference{Registry: host, Repository: "team/app", Tag: "1.0"}
}

// TestRoundTrip: registry -> layout directory -> tar -> registry keeps
// every digest and the referrers; the tar is the same bytes twice.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, dst := testregistry.Start(t), testregistry.Start(t)
	img, ref := fixture(t, src.Host)

	dir := filepath.Join(t.TempDir(), "layout")
	l, err := OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	name := ref.Registry + "/" + ref.Repository
	pair := reference.Pair{Source: ref, Target: reference.Reference{Registry: layoutRegistry, Repository: name, Tag: "1.0"}}
	res, err := mirror.Copy(ctx, []reference.Pair{pair}, mirror.Options{Repository: engineRepos(l, map[string]string{name + ":1.0": ref.String()})})
	if err != nil || res[0].Err != nil {
		t.Fatalf("copy into the layout: %v %v", err, res[0].Err)
	}
	if res[0].Referrers < 2 {
		t.Errorf("%d referrers copied into the layout, want the signature and the SBOM", res[0].Referrers)
	}
	var tars [2]bytes.Buffer
	for i := range tars {
		if _, err := l.WriteTar(ctx, &tars[i], TarOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(tars[0].Bytes(), tars[1].Bytes()) {
		t.Error("two tars of the same layout differ")
	}
	archive := filepath.Join(t.TempDir(), "a.tar")
	if err := os.WriteFile(archive, tars[0].Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	a, err := OpenArchive(ctx, archive)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	entries := a.Entries()
	if len(entries) == 0 || entries[0].Name != name+":1.0" || entries[0].Source != ref.String() || entries[0].Descriptor.Digest != img.Index.Digest {
		t.Fatalf("entries: %+v", entries)
	}
	back := reference.Pair{Source: reference.Reference{Registry: layoutRegistry, Repository: name, Tag: "1.0"},
		Target: reference.Reference{Registry: dst.Host, Repository: "mirror/team/app", Tag: "1.0"}}
	res, err = mirror.Copy(ctx, []reference.Pair{back}, mirror.Options{Repository: engineRepos(a, nil)})
	if err != nil || res[0].Err != nil {
		t.Fatalf("copy out of the archive: %v %v", err, res[0].Err)
	}
	if res[0].SourceDigest != img.Index.Digest || res[0].Referrers < 2 {
		t.Errorf("out of the archive: digest %s (want %s), %d referrers", res[0].SourceDigest, img.Index.Digest, res[0].Referrers)
	}
	repo, _ := testimage.Repository(dst.Host, "mirror/team/app")
	if d, err := repo.Resolve(ctx, "1.0"); err != nil || d.Digest != img.Index.Digest {
		t.Errorf("target: %v %v", d.Digest, err)
	}
}

// tarOf writes a tar of the given entries.
func tarOf(t *testing.T, entries ...*tar.Header) string {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range entries {
		body := []byte("x")
		if h.Name == "index.json" {
			body = []byte(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:` +
				strings.Repeat("a", 64) + `","size":10,"annotations":{"org.opencontainers.image.ref.name":"r.example/app:1"}}]}`)
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(body)
		}
	}
	tw.Close()
	p := filepath.Join(t.TempDir(), "bad.tar")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBadArchives: unsafe entries are refused when the archive is opened,
// naming the entry.
func TestBadArchives(t *testing.T) {
	t.Parallel()
	reg := func(name string) *tar.Header { return &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644} }
	tests := []struct {
		name    string
		entry   *tar.Header
		wantErr string
	}{
		{name: "dot-dot", entry: reg("blobs/../../etc/passwd"), wantErr: `"blobs/../../etc/passwd" leaves the archive`},
		{name: "absolute path", entry: reg("/etc/passwd"), wantErr: "absolute path"},
		{name: "symlink", entry: &tar.Header{Name: "blobs/sha256/x", Typeflag: tar.TypeSymlink, Linkname: "/etc/shadow"}, wantErr: "is a link"},
		{name: "hard link", entry: &tar.Header{Name: "blobs/sha256/y", Typeflag: tar.TypeLink, Linkname: "oci-layout"}, wantErr: "is a link"},
		{name: "device", entry: &tar.Header{Name: "dev", Typeflag: tar.TypeChar}, wantErr: "is a device"},
		{name: "no index", entry: reg("README"), wantErr: "no index.json"},
		{name: "index naming a missing manifest", entry: nil, wantErr: "which is not in the archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries := []*tar.Header{reg("oci-layout"), tt.entry}
			if tt.entry == nil {
				entries = []*tar.Header{reg("oci-layout"), {Name: "index.json", Typeflag: tar.TypeReg, Mode: 0o644}}
			}
			p := tarOf(t, entries...)
			_, err := OpenArchive(context.Background(), p)
			if !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("OpenArchive = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestCorruptedBlob: a changed byte in a blob fails its read, naming the
// entry and the blob; a truncated archive and an index naming a missing
// blob are refused at open.
func TestCorruptedBlob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := testregistry.Start(t)
	img, ref := fixture(t, src.Host)
	l, err := OpenDir(ctx, filepath.Join(t.TempDir(), "layout"))
	if err != nil {
		t.Fatal(err)
	}
	name := ref.Registry + "/" + ref.Repository
	pair := reference.Pair{Source: ref, Target: reference.Reference{Registry: layoutRegistry, Repository: name, Tag: "1.0"}}
	if res, err := mirror.Copy(ctx, []reference.Pair{pair}, mirror.Options{Repository: engineRepos(l, nil), SkipReferrers: true}); err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	var b bytes.Buffer
	if _, err := l.WriteTar(ctx, &b, TarOptions{}); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	layer := img.Blobs[len(img.Blobs)-1]

	t.Run("a changed byte", func(t *testing.T) {
		bad := bytes.Clone(data)
		i := bytes.Index(bad, []byte("blobs/sha256/"+layer.Digest.Encoded())) // the header starts with the name
		// The content follows the 512-byte header.
		bad[i+512+10] ^= 0xff
		p := filepath.Join(t.TempDir(), "bad.tar")
		os.WriteFile(p, bad, 0o644)
		a, err := OpenArchive(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		rc, err := a.Fetch(ctx, layer)
		if err != nil {
			t.Fatal(err)
		}
		_, err = readAll(rc)
		if !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), "blobs/sha256/"+layer.Digest.Encoded()) || !strings.Contains(err.Error(), "is corrupted") {
			t.Errorf("read = %v", err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "short.tar")
		os.WriteFile(p, data[:len(data)/2], 0o644)
		_, err := OpenArchive(ctx, p)
		if !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("OpenArchive = %v", err)
		}
	})
	t.Run("split in parts", func(t *testing.T) {
		dir := t.TempDir()
		var parts []string
		for i, chunk := range [][]byte{data[:1000], data[1000:5000], data[5000:]} {
			p := filepath.Join(dir, "a.tar."+string(rune('0'+i)))
			os.WriteFile(p, chunk, 0o644)
			parts = append(parts, p)
		}
		a, err := OpenArchive(ctx, parts...)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		rc, err := a.Fetch(ctx, layer)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := readAll(rc); err != nil || digest.FromBytes(got) != layer.Digest {
			t.Errorf("read across parts: %v", err)
		}
		if _, err := OpenArchive(ctx, parts[0], parts[2]); !errors.Is(err, ErrBadArchive) {
			t.Errorf("a missing middle part: %v", err)
		}
	})
}

func readAll(rc interface {
	Read([]byte) (int, error)
	Close() error
}) ([]byte, error) {
	defer rc.Close()
	var b bytes.Buffer
	_, err := b.ReadFrom(rc)
	return b.Bytes(), err
}
