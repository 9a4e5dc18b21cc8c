// Package fuzz fuzzes the layout's archive reader on its own: a test
// binary without the registries the layout's other tests start, so that
// the fuzzer's workers run (beside them, they barely did).
package fuzz

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/pkg/layout"
)

// layoutTar is a small OCI layout in a tar: one image, its config and
// manifest.
func layoutTar(t testing.TB) []byte {
	config := []byte("{}")
	manifest := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[]}`,
		digest.FromBytes(config), len(config))
	index := fmt.Appendf(nil, `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"team/app:1.0"}}]}`,
		digest.FromBytes(manifest), len(manifest))
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", index},
		{"blobs/sha256/" + digest.FromBytes(config).Encoded(), config},
		{"blobs/sha256/" + digest.FromBytes(manifest).Encoded(), manifest},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	tw.Close()
	return b.Bytes()
}

// open opens data as an archive and reads everything reachable in it.
func open(t *testing.T, data []byte) (*layout.Layout, error) {
	f, err := os.CreateTemp("", "airlift-fuzz-*.tar")
	if err != nil {
		t.Fatal(err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := layout.OpenArchive(ctx, name)
	if err != nil {
		return nil, err
	}
	reach, err := l.Reachable(ctx)
	if err != nil {
		return l, err
	}
	for _, d := range reach {
		if d.Size > 1<<20 {
			continue
		}
		if rc, err := l.Fetch(ctx, d); err == nil {
			io.Copy(io.Discard, rc)
			rc.Close()
		}
	}
	return l, nil
}

// FuzzOpenArchive: an archive carried across an air gap is untrusted
// input. Opening it, listing it and reading everything reachable in it
// either works or fails with an error; it never panics.
func FuzzOpenArchive(f *testing.F) {
	good := layoutTar(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:1024])
	f.Add([]byte{})
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)-1200] ^= 0xff
	f.Add(corrupt)
	f.Fuzz(func(t *testing.T, data []byte) {
		l, _ := open(t, data)
		if l != nil {
			l.Entries()
			l.Close()
		}
	})
}

// TestSeed: the seed is a layout that opens and lists its image.
func TestSeed(t *testing.T) {
	l, err := open(t, layoutTar(t))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if e := l.Entries(); len(e) != 1 || e[0].Name != "team/app:1.0" {
		t.Errorf("entries: %+v", e)
	}
}
