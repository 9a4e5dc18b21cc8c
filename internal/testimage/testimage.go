package testimage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote"
)

// Docker media types.
const (
	DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	DockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	DockerConfig       = "application/vnd.docker.container.image.v1+json"
	DockerLayer        = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

// Spec describes one image.
type Spec struct {
	Repository string   // "team/app"
	Tag        string   // "1.0"
	Platforms  []string // "linux/amd64", "linux/arm/v7"; default linux/amd64 and linux/arm64
	Layers     int      // unique layers per platform; default 2
	LayerSize  int      // bytes per layer; default 64 KiB
	// Shared are layers every platform manifest starts with (the same
	// bytes in every image that names them): a base image.
	Shared [][]byte
	// Docker writes a Docker manifest list with Docker manifests instead
	// of an OCI index.
	Docker bool
	Seed   uint64
}

// Image is what Push wrote.
type Image struct {
	Index     ocispec.Descriptor   // the index or manifest list (tagged)
	Manifests []ocispec.Descriptor // per platform, in Platforms order
	Blobs     []ocispec.Descriptor // every config and layer
}

// Layer returns n deterministic random bytes for a shared layer.
func Layer(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// Repository returns a plain-HTTP oras-go repository for host/repo.
func Repository(host, repo string) (*remote.Repository, error) {
	r, err := remote.NewRepository(host + "/" + repo)
	if err != nil {
		return nil, err
	}
	r.PlainHTTP = true
	return r, nil
}

// Push pushes the image to host (plain HTTP) and tags it.
func Push(ctx context.Context, host string, s Spec) (Image, error) {
	repo, err := Repository(host, s.Repository)
	if err != nil {
		return Image{}, err
	}
	img, err := PushTo(ctx, repo, s)
	if err != nil {
		return Image{}, fmt.Errorf("%s/%s: %w", host, s.Repository, err)
	}
	return img, nil
}

// Target is where PushTo writes: any oras-go repository, of a registry or
// of an OCI layout.
type Target interface {
	Push(ctx context.Context, d ocispec.Descriptor, r io.Reader) error
	PushReference(ctx context.Context, d ocispec.Descriptor, r io.Reader, ref string) error
}

// PushTo pushes the image to repo and tags it s.Tag (s.Repository only
// names it in its config). The same spec gives the same digests.
func PushTo(ctx context.Context, repo Target, s Spec) (Image, error) {
	if len(s.Platforms) == 0 {
		s.Platforms = []string{"linux/amd64", "linux/arm64"}
	}
	if s.Layers == 0 {
		s.Layers = 2
	}
	if s.LayerSize == 0 {
		s.LayerSize = 64 << 10
	}
	layerType, configType, manifestType, indexType := ocispec.MediaTypeImageLayerGzip, ocispec.MediaTypeImageConfig, ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageIndex
	if s.Docker {
		layerType, configType, manifestType, indexType = DockerLayer, DockerConfig, DockerManifest, DockerManifestList
	}
	var img Image
	push := func(mediaType string, b []byte) (ocispec.Descriptor, error) {
		d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(b), Size: int64(len(b))}
		if err := repo.Push(ctx, d, bytes.NewReader(b)); err != nil {
			return d, fmt.Errorf("pushing %s: %w", d.Digest, err)
		}
		return d, nil
	}
	for pi, platform := range s.Platforms {
		p := ParsePlatform(platform)
		var layers []ocispec.Descriptor
		for _, shared := range s.Shared {
			d, err := push(layerType, shared)
			if err != nil {
				return Image{}, err
			}
			layers = append(layers, d)
		}
		for li := 0; li < s.Layers; li++ {
			d, err := push(layerType, Layer(s.Seed*1000003+uint64(pi)*1009+uint64(li)+1, s.LayerSize))
			if err != nil {
				return Image{}, err
			}
			layers = append(layers, d)
		}
		diffIDs := make([]string, len(layers))
		for i, l := range layers {
			diffIDs[i] = l.Digest.String()
		}
		cfg, _ := json.Marshal(map[string]any{
			"architecture": p.Architecture, "os": p.OS, "variant": p.Variant,
			"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
			"config": map[string]any{"Labels": map[string]string{"test.image": s.Repository + ":" + s.Tag}},
		})
		cd, err := push(configType, cfg)
		if err != nil {
			return Image{}, err
		}
		img.Blobs = append(img.Blobs, cd)
		img.Blobs = append(img.Blobs, layers...)
		m, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: manifestType, Config: cd, Layers: layers})
		md, err := push(manifestType, m)
		if err != nil {
			return Image{}, err
		}
		md.Platform = &p
		img.Manifests = append(img.Manifests, md)
	}
	idx, _ := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: indexType, Manifests: img.Manifests})
	d := ocispec.Descriptor{MediaType: indexType, Digest: digest.FromBytes(idx), Size: int64(len(idx))}
	if err := repo.PushReference(ctx, d, bytes.NewReader(idx), s.Tag); err != nil {
		return Image{}, fmt.Errorf("pushing tag %s: %w", s.Tag, err)
	}
	img.Index = d
	return img, nil
}

// ParsePlatform parses os/arch[/variant].
func ParsePlatform(s string) ocispec.Platform {
	parts := strings.SplitN(s, "/", 3)
	p := ocispec.Platform{OS: parts[0]}
	if len(parts) > 1 {
		p.Architecture = parts[1]
	}
	if len(parts) > 2 {
		p.Variant = parts[2]
	}
	return p
}

// Sign pushes a cosign-style signature for target under the tag
// sha256-<hex>.sig in the same repository, and returns its descriptor.
func Sign(ctx context.Context, host, repository string, target ocispec.Descriptor) (ocispec.Descriptor, error) {
	return artifact(ctx, host, repository, "application/vnd.dev.cosign.simplesigning.v1+json", nil,
		strings.Replace(target.Digest.String(), ":", "-", 1)+".sig", []byte(`{"critical":{"image":{"docker-manifest-digest":"`+target.Digest.String()+`"}}}`))
}

// Refer pushes an OCI artifact whose subject is target (an SBOM, an
// attestation), found through the referrers API (or, on a registry without
// it, the referrers tag schema oras-go maintains), and returns it.
func Refer(ctx context.Context, host, repository string, target ocispec.Descriptor, artifactType string) (ocispec.Descriptor, error) {
	subject := ocispec.Descriptor{MediaType: target.MediaType, Digest: target.Digest, Size: target.Size}
	return artifact(ctx, host, repository, artifactType, &subject, "", []byte(`{"sbom":"`+target.Digest.String()+`"}`))
}

func artifact(ctx context.Context, host, repository, artifactType string, subject *ocispec.Descriptor, tag string, payload []byte) (ocispec.Descriptor, error) {
	repo, err := Repository(host, repository)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	layer := ocispec.Descriptor{MediaType: artifactType, Digest: digest.FromBytes(payload), Size: int64(len(payload))}
	if err := repo.Push(ctx, layer, bytes.NewReader(payload)); err != nil {
		return ocispec.Descriptor{}, err
	}
	empty := ocispec.DescriptorEmptyJSON
	if err := repo.Push(ctx, empty, bytes.NewReader(empty.Data)); err != nil {
		return ocispec.Descriptor{}, err
	}
	empty.Data = nil
	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		ArtifactType: artifactType, Config: empty, Layers: []ocispec.Descriptor{layer}, Subject: subject,
	}
	b, _ := json.Marshal(m)
	d := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(b), Size: int64(len(b)), ArtifactType: artifactType}
	if tag != "" {
		err = repo.PushReference(ctx, d, bytes.NewReader(b), tag)
	} else {
		err = repo.Push(ctx, d, bytes.NewReader(b))
	}
	return d, err
}

// FetchManifest gets the manifest repository:ref (a tag or a digest) from
// host with a plain HTTP GET accepting OCI and Docker manifests and
// indexes, and returns its bytes as served. found is false on 404.
func FetchManifest(ctx context.Context, host, repository, ref string) (body []byte, found bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/v2/"+repository+"/manifests/"+ref, nil)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Accept", strings.Join([]string{ocispec.MediaTypeImageIndex, ocispec.MediaTypeImageManifest, DockerManifestList, DockerManifest}, ", "))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return nil, false, fmt.Errorf("reading manifest %s/%s:%s: %w", host, repository, ref, err)
	case resp.StatusCode == http.StatusOK:
		return body, true, nil
	case resp.StatusCode == http.StatusNotFound:
		return nil, false, nil
	}
	return nil, false, fmt.Errorf("GET manifest %s/%s:%s: %s: %s", host, repository, ref, resp.Status, body)
}

// HasBlob reports whether host has blob d in repository, with a plain HTTP
// HEAD.
func HasBlob(ctx context.Context, host, repository string, d digest.Digest) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "http://"+host+"/v2/"+repository+"/blobs/"+d.String(), nil)
	if err != nil {
		return false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, fmt.Errorf("HEAD blob %s in %s/%s: %s", d, host, repository, resp.Status)
}
