package mirror

import (
	"context"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// fixture is a synthetic image pushed by testimage, with its reference.
type fixture struct {
	testimage.Image
	ref reference.Reference
}

// pushImage pushes s to repoName:tag of r (testimage.Push: blobs, then
// manifests, then the index by tag).
func pushImage(t testing.TB, r *testRegistry, repoName, tag string, s testimage.Spec) fixture {
	t.Helper()
	s.Repository, s.Tag = repoName, tag
	img, err := testimage.Push(context.Background(), r.host, s)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{Image: img, ref: reference.Reference{Registry: r.host, Repository: repoName, Tag: tag}}
}

// pushCosignSig pushes a cosign-style signature of subject under the tag
// sha256-<hex>.sig and returns it.
func pushCosignSig(t testing.TB, r *testRegistry, repoName string, subject ocispec.Descriptor) ocispec.Descriptor {
	t.Helper()
	d, err := testimage.Sign(context.Background(), r.host, repoName, subject)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pushReferrer pushes an SBOM whose subject is subject; oras-go indexes it
// under the referrers tag schema (distribution has no Referrers API).
func pushReferrer(t testing.TB, r *testRegistry, repoName string, subject ocispec.Descriptor) ocispec.Descriptor {
	t.Helper()
	d, err := testimage.Refer(context.Background(), r.host, repoName, subject, "application/spdx+json")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// getManifest fetches a manifest with a plain HTTP GET (not through the
// engine nor oras-go); ok is false on 404.
func getManifest(t testing.TB, r *testRegistry, repoName, ref string) (body []byte, ok bool) {
	t.Helper()
	body, ok, err := testimage.FetchManifest(context.Background(), r.host, repoName, ref)
	if err != nil {
		t.Fatal(err)
	}
	return body, ok
}

// hasBlob checks a blob with a plain HTTP HEAD.
func hasBlob(t testing.TB, r *testRegistry, repoName string, d digest.Digest) bool {
	t.Helper()
	ok, err := testimage.HasBlob(context.Background(), r.host, repoName, d)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
