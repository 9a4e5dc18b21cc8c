package mirror_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// startRegistry starts an in-memory CNCF distribution registry and returns
// its host:port.
func startRegistry() (host string, stop func()) {
	logrus.SetOutput(io.Discard)
	cfg := &configuration.Configuration{Storage: configuration.Storage{"inmemory": configuration.Parameters{}}}
	cfg.HTTP.Secret = "example"
	srv := httptest.NewServer(handlers.NewApp(context.Background(), cfg))
	return strings.TrimPrefix(srv.URL, "http://"), srv.Close
}

// repository is Options.Repository for plain-HTTP registries without auth.
func repository(_ context.Context, host, name string) (mirror.Repo, error) {
	return &remote.Repository{Reference: registry.Reference{Registry: host, Repository: name}, PlainHTTP: true}, nil
}

func ExampleCopy() {
	ctx := context.Background()
	src, stopSrc := startRegistry()
	defer stopSrc()
	dst, stopDst := startRegistry()
	defer stopDst()

	// An image in the source: one layer, tagged 1.0.
	repo, _ := repository(ctx, src, "library/hello")
	layer := []byte("hello, world")
	layerDesc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageLayer, layer)
	_ = repo.Push(ctx, layerDesc, bytes.NewReader(layer))
	manifest, _ := oras.PackManifest(ctx, repo, oras.PackManifestVersion1_1, "application/vnd.example",
		oras.PackManifestOptions{Layers: []ocispec.Descriptor{layerDesc}})
	_ = repo.Tag(ctx, manifest, "1.0")

	images := []reference.Pair{{
		Source: reference.MustParse(src + "/library/hello:1.0"),
		Target: reference.MustParse(dst + "/mirror/hello:1.0"),
	}}
	opts := mirror.Options{Repository: repository, Jobs: 4}
	for range 2 { // the second run finds the image present
		results, err := mirror.Copy(ctx, images, opts)
		if err != nil {
			panic(err)
		}
		r := results[0]
		fmt.Printf("%s: %d blob(s), %d bytes, digest preserved: %v\n", r.Status, r.Blobs, r.Bytes, r.TargetDigest == r.SourceDigest)
	}
	// Output:
	// copied: 2 blob(s), 14 bytes, digest preserved: true
	// present: 0 blob(s), 0 bytes, digest preserved: true
}
