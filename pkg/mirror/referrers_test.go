package mirror

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// targetReferrers lists the referrers of subject in the target with a fresh
// oras-go repository (distribution has no Referrers API: this reads the
// sha256-<hex> tag schema index).
func targetReferrers(t *testing.T, r *testRegistry, repoName string, subject ocispec.Descriptor) []digest.Digest {
	t.Helper()
	var out []digest.Digest
	err := r.repo(repoName).Referrers(context.Background(), subject, "", func(page []ocispec.Descriptor) error {
		for _, d := range page {
			out = append(out, d.Digest)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCopyReferrers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		skip          bool
		platforms     []string
		wantReferrers int
		wantSig       bool // the cosign signature of the index
		wantSBOM      bool // the OCI referrer of the amd64 manifest
	}{
		{name: "copied by default", wantReferrers: 3, wantSig: true, wantSBOM: true},
		{name: "SkipReferrers", skip: true},
		// A filtered index has a new digest: the index signature does not
		// apply to it; the per-platform referrers still do.
		{name: "filtered index", platforms: []string{"linux/amd64"}, wantReferrers: 2, wantSBOM: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			f := pushImage(t, e.src, "signed/app", "2.0", twoPlatforms(3))
			sig := pushCosignSig(t, e.src, "signed/app", f.Index)
			amd64 := f.Manifests[0]
			sbom := pushReferrer(t, e.src, "signed/app", amd64)
			// a signature of the SBOM: a referrer of a referrer
			sbomSig := pushReferrer(t, e.src, "signed/app", sbom)

			opts := e.options()
			opts.SkipReferrers = tt.skip
			opts.Platforms = tt.platforms
			res := mustCopy(t, []reference.Pair{e.to(f, "mirror/signed/app", "2.0")}, opts)[0]
			if res.Status != Copied || res.Referrers != tt.wantReferrers {
				t.Fatalf("status %v referrers %d (want %d) err %v", res.Status, res.Referrers, tt.wantReferrers, res.Err)
			}

			sigTag := "sha256-" + f.Index.Digest.Encoded() + ".sig"
			body, ok := getManifest(t, e.dst, "mirror/signed/app", sigTag)
			if ok != tt.wantSig || (ok && digest.FromBytes(body) != sig.Digest) {
				t.Errorf("target %s: found=%v, want %v (bytes equal: %v)", sigTag, ok, tt.wantSig, digest.FromBytes(body) == sig.Digest)
			}
			refs := targetReferrers(t, e.dst, "mirror/signed/app", amd64)
			if got := slices.Contains(refs, sbom.Digest); got != tt.wantSBOM {
				t.Errorf("referrers of the amd64 manifest in the target: %v, want the SBOM: %v", refs, tt.wantSBOM)
			}
			refs = targetReferrers(t, e.dst, "mirror/signed/app", sbom)
			if got := slices.Contains(refs, sbomSig.Digest); got != tt.wantSBOM {
				t.Errorf("referrers of the SBOM in the target: %v, want its signature: %v", refs, tt.wantSBOM)
			}
			// independently of oras-go: the tag schema index and the artifact bytes
			idxBody, ok := getManifest(t, e.dst, "mirror/signed/app", "sha256-"+amd64.Digest.Encoded())
			if ok != tt.wantSBOM {
				t.Fatalf("referrers tag schema index in the target: found=%v, want %v", ok, tt.wantSBOM)
			}
			if ok {
				var idx ocispec.Index
				if err := json.Unmarshal(idxBody, &idx); err != nil || len(idx.Manifests) != 1 || idx.Manifests[0].ArtifactType != "application/spdx+json" {
					t.Errorf("referrers index %s (%v)", idxBody, err)
				}
				if body, ok := getManifest(t, e.dst, "mirror/signed/app", sbom.Digest.String()); !ok || digest.FromBytes(body) != sbom.Digest {
					t.Errorf("SBOM manifest in the target: found=%v, bytes equal %v", ok, digest.FromBytes(body) == sbom.Digest)
				}
			}
		})
	}
}

// TestRecheckReferrers: signatures added to the source after an image was
// mirrored reach the target on a re-run only with RecheckReferrers; the
// re-run still copies no image content.
func TestRecheckReferrers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		recheck       bool
		wantReferrers int
		wantSigned    bool
	}{
		{name: "present images are not looked at again by default"},
		{name: "RecheckReferrers copies what was added", recheck: true, wantReferrers: 2, wantSigned: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			f := pushImage(t, e.src, "late/app", "1.0", twoPlatforms(4))
			img := e.to(f, "mirror/late/app", "1.0")
			if res := mustCopy(t, []reference.Pair{img}, e.options())[0]; res.Status != Copied || res.Referrers != 0 {
				t.Fatalf("first copy: %v, %d referrers, %v", res.Status, res.Referrers, res.Err)
			}
			// Signed after it was mirrored: the index by cosign, the arm64
			// manifest by an OCI referrer.
			sig := pushCosignSig(t, e.src, "late/app", f.Index)
			arm64 := f.Manifests[1]
			att := pushReferrer(t, e.src, "late/app", arm64)

			opts := e.options()
			opts.RecheckReferrers = tt.recheck
			res := mustCopy(t, []reference.Pair{img}, opts)[0]
			// The image's own content is not sent again; the new artifacts'
			// small payloads are.
			if res.Status != Present || res.Referrers != tt.wantReferrers || res.Bytes > 1024 || !tt.recheck && res.Bytes != 0 {
				t.Fatalf("re-run: %v, %d referrers (want %d), %d bytes, %v", res.Status, res.Referrers, tt.wantReferrers, res.Bytes, res.Err)
			}
			sigTag := "sha256-" + f.Index.Digest.Encoded() + ".sig"
			body, ok := getManifest(t, e.dst, "mirror/late/app", sigTag)
			if ok != tt.wantSigned || ok && digest.FromBytes(body) != sig.Digest {
				t.Errorf("cosign signature in the target: %v, want %v", ok, tt.wantSigned)
			}
			if got := slices.Contains(targetReferrers(t, e.dst, "mirror/late/app", arm64), att.Digest); got != tt.wantSigned {
				t.Errorf("referrer of the arm64 manifest in the target: %v, want %v", got, tt.wantSigned)
			}
			if !tt.recheck {
				return
			}
			// Once there, a third run finds them present.
			if res := mustCopy(t, []reference.Pair{img}, opts)[0]; res.Status != Present || res.Referrers != 2 || res.Bytes != 0 {
				t.Errorf("third run: %v, %d referrers, %d bytes", res.Status, res.Referrers, res.Bytes)
			}
		})
	}
}
