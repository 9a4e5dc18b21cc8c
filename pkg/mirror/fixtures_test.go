package mirror

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// blob is content with its descriptor.
type blob struct {
	desc ocispec.Descriptor
	data []byte
}

func newBlob(mediaType string, data []byte) blob {
	return blob{desc: content.NewDescriptorFromBytes(mediaType, data), data: data}
}

// randomBlob returns size bytes of seeded random data.
func randomBlob(mediaType string, size int, seed uint64) blob {
	data := make([]byte, size)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), 42})
	_, _ = r.Read(data)
	return newBlob(mediaType, data)
}

// mediaTypes of one image flavour.
type flavour struct {
	index, manifest, config, layer string
}

var (
	ociFlavour    = flavour{ocispec.MediaTypeImageIndex, ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageConfig, ocispec.MediaTypeImageLayerGzip}
	dockerFlavour = flavour{mediaTypeDockerList, mediaTypeDockerManifest, mediaTypeDockerConfig, "application/vnd.docker.image.rootfs.diff.tar.gzip"}
)

// imageSpec describes a synthetic multi-platform image.
type imageSpec struct {
	flavour   flavour
	platforms []string // "linux/amd64"
	layers    int      // unique layers per platform
	layerSize int
	shared    []blob // layers added to every platform manifest (shared between images)
	seed      uint64
}

// fixture is what pushImage pushed.
type fixture struct {
	ref       reference.Reference
	index     blob
	manifests []blob // per platform, in spec order
	blobs     []blob // configs and layers, shared ones included
}

// pushImage pushes an index (or Docker list) with one manifest per platform
// to repo:tag. Blobs first, then manifests, then the index by tag.
func pushImage(t testing.TB, r *testRegistry, repoName, tag string, s imageSpec) fixture {
	t.Helper()
	repo := r.repo(repoName)
	f := fixture{ref: reference.Reference{Registry: r.host, Repository: repoName, Tag: tag}}
	var entries []ocispec.Descriptor
	for i, p := range s.platforms {
		parts := strings.Split(p, "/")
		plat := ocispec.Platform{OS: parts[0], Architecture: parts[1]}
		if len(parts) == 3 {
			plat.Variant = parts[2]
		}
		cfgJSON, _ := json.Marshal(map[string]any{
			"os": plat.OS, "architecture": plat.Architecture, "variant": plat.Variant,
			"rootfs": map[string]any{"type": "layers"}, "config": map[string]any{"Env": []string{fmt.Sprintf("SEED=%d", s.seed)}},
		})
		cfg := newBlob(s.flavour.config, cfgJSON)
		layers := append([]blob{}, s.shared...)
		for l := 0; l < s.layers; l++ {
			layers = append(layers, randomBlob(s.flavour.layer, s.layerSize+l*7, s.seed*1000+uint64(i)*100+uint64(l)))
		}
		m := map[string]any{"schemaVersion": 2, "mediaType": s.flavour.manifest, "config": cfg.desc}
		var ls []ocispec.Descriptor
		for _, l := range layers {
			ls = append(ls, l.desc)
		}
		m["layers"] = ls
		for _, b := range append([]blob{cfg}, layers...) {
			pushBlob(t, repo, b)
			f.blobs = append(f.blobs, b)
		}
		mb := newBlob(s.flavour.manifest, mustJSON(t, m))
		pushManifestRaw(t, repo, mb, "")
		f.manifests = append(f.manifests, mb)
		d := mb.desc
		d.Platform = &plat
		entries = append(entries, d)
	}
	idx := ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: s.flavour.index, Manifests: entries}
	f.index = newBlob(s.flavour.index, mustJSON(t, idx))
	pushManifestRaw(t, repo, f.index, tag)
	return f
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pushBlob(t testing.TB, repo *remote.Repository, b blob) {
	t.Helper()
	ctx := context.Background()
	if ok, err := repo.Blobs().Exists(ctx, b.desc); err == nil && ok {
		return
	}
	if err := repo.Blobs().Push(ctx, b.desc, bytes.NewReader(b.data)); err != nil {
		t.Fatalf("pushing blob: %v", err)
	}
}

// pushManifestRaw pushes a manifest by digest (tag "") or tag.
func pushManifestRaw(t testing.TB, repo *remote.Repository, b blob, tag string) {
	t.Helper()
	ctx := context.Background()
	var err error
	if tag == "" {
		err = repo.Manifests().Push(ctx, b.desc, bytes.NewReader(b.data))
	} else {
		err = repo.Manifests().PushReference(ctx, b.desc, bytes.NewReader(b.data), tag)
	}
	if err != nil {
		t.Fatalf("pushing manifest %s: %v", tag, err)
	}
}

// pushCosignSig pushes a cosign-style signature for subject under the tag
// sha256-<hex>.sig and returns it.
func pushCosignSig(t testing.TB, r *testRegistry, repoName string, subject digest.Digest) blob {
	t.Helper()
	repo := r.repo(repoName)
	cfg := newBlob(ocispec.MediaTypeImageConfig, []byte(`{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}`))
	payload := newBlob("application/vnd.dev.cosign.simplesigning.v1+json",
		[]byte(`{"critical":{"image":{"docker-manifest-digest":"`+subject.String()+`"},"type":"cosign container image signature"}}`))
	payload.desc.Annotations = map[string]string{"dev.cosignproject.cosign/signature": "MEUCIQDfake"}
	pushBlob(t, repo, cfg)
	pushBlob(t, repo, payload)
	m := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		Config: cfg.desc, Layers: []ocispec.Descriptor{payload.desc}}
	mb := newBlob(ocispec.MediaTypeImageManifest, mustJSON(t, m))
	pushManifestRaw(t, repo, mb, "sha256-"+subject.Encoded()+".sig")
	return mb
}

// pushReferrer pushes an OCI artifact (an SBOM) whose subject is subject;
// oras-go indexes it under the referrers tag schema (distribution has no
// Referrers API).
func pushReferrer(t testing.TB, r *testRegistry, repoName string, subject ocispec.Descriptor) blob {
	t.Helper()
	repo := r.repo(repoName)
	empty := newBlob(ocispec.MediaTypeEmptyJSON, []byte("{}"))
	sbom := newBlob("application/spdx+json", []byte(`{"spdxVersion":"SPDX-2.3","name":"`+subject.Digest.String()+`"}`))
	pushBlob(t, repo, empty)
	pushBlob(t, repo, sbom)
	subj := ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	m := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		ArtifactType: "application/spdx+json", Config: empty.desc, Layers: []ocispec.Descriptor{sbom.desc}, Subject: &subj}
	mb := newBlob(ocispec.MediaTypeImageManifest, mustJSON(t, m))
	pushManifestRaw(t, repo, mb, "")
	return mb
}

// getManifest fetches a manifest with a plain HTTP GET (not through the
// engine nor oras-go); ok is false on 404.
func getManifest(t testing.TB, r *testRegistry, repoName, ref string) (body []byte, ok bool) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+r.host+"/v2/"+repoName+"/manifests/"+ref, nil)
	req.Header.Set("Accept", strings.Join([]string{ociFlavour.index, ociFlavour.manifest, dockerFlavour.index, dockerFlavour.manifest}, ", "))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ = io.ReadAll(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
		return body, true
	case http.StatusNotFound:
		return nil, false
	}
	t.Fatalf("GET manifest %s:%s: %s: %s", repoName, ref, resp.Status, body)
	return nil, false
}

// hasBlob checks a blob with a plain HTTP HEAD.
func hasBlob(t testing.TB, r *testRegistry, repoName string, d digest.Digest) bool {
	t.Helper()
	resp, err := http.Head("http://" + r.host + "/v2/" + repoName + "/blobs/" + d.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
