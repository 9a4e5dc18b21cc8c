package mirror

import (
	"context"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
)

// maxReferrerDepth bounds referrer chains (a signature of an attestation of
// an image is depth 2).
const maxReferrerDepth = 3

// cosignSuffixes are the tags cosign attaches to an image digest D:
// sha256-<hex of D>.sig, .att and .sbom.
var cosignSuffixes = []string{".sig", ".att", ".sbom"}

// artifact is a referrer or signature to copy: an OCI referrer (tag empty;
// pushed by digest, oras-go indexes it under the target's referrers tag
// schema when the target has no Referrers API) or a cosign tag.
type artifact struct {
	desc ocispec.Descriptor
	tag  string
}

// copyReferrers copies what refers to desc (see listReferrers); cosign tags
// are looked up for the manifests of an image (depth 0) only.
func (j *job) copyReferrers(ctx context.Context, desc ocispec.Descriptor, depth int) error {
	if j.s.SkipReferrers || depth >= maxReferrerDepth {
		return nil
	}
	arts, err := j.listReferrers(ctx, desc, depth == 0)
	if err != nil {
		return err
	}
	return j.copyArtifacts(ctx, arts, depth+1)
}

// listReferrers lists, in the source, the OCI referrers of desc (Referrers
// API, or the "sha256-<hex>" tag schema fallback; oras-go picks) and, with
// cosign, the cosign tags of desc (one HEAD each; 404 = none).
func (j *job) listReferrers(ctx context.Context, desc ocispec.Descriptor, cosign bool) ([]artifact, error) {
	var (
		mu   sync.Mutex
		arts []artifact
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var found []ocispec.Descriptor
		err := j.unit(gctx, "listing referrers of", desc.Digest, func(ctx context.Context) error {
			found = found[:0]
			return j.src.Referrers(ctx, desc, "", func(page []ocispec.Descriptor) error {
				found = append(found, page...)
				return nil
			})
		})
		if err != nil {
			return opErr("listing referrers of", SideSource, desc.Digest, err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, d := range found {
			arts = append(arts, artifact{desc: d})
		}
		return nil
	})
	for _, suffix := range cosignSuffixes {
		if !cosign {
			break
		}
		tag := desc.Digest.Algorithm().String() + "-" + desc.Digest.Encoded() + suffix
		g.Go(func() error {
			var (
				d     ocispec.Descriptor
				found bool
			)
			err := j.unit(gctx, "looking up signature tag", "", func(ctx context.Context) (err error) {
				d, found, err = lookup(ctx, j.src, tag)
				return err
			})
			if err != nil {
				return &OpError{Op: "looking up signature tag", Ref: tag, Side: SideSource, Err: tidy(err)}
			}
			if !found {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			arts = append(arts, artifact{desc: d, tag: tag})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return dedupArtifacts(arts), nil
}

// dedupArtifacts drops artifacts listed twice (a cosign signature that is
// also an OCI referrer is kept once, with its tag).
func dedupArtifacts(arts []artifact) []artifact {
	byDigest := make(map[string]int, len(arts))
	var out []artifact
	for _, a := range arts {
		if !isManifestType(a.desc.MediaType) {
			continue // a referrer must be a manifest; skip garbage rather than fail on it
		}
		i, ok := byDigest[a.desc.Digest.String()]
		switch {
		case !ok:
			byDigest[a.desc.Digest.String()] = len(out)
			out = append(out, a)
		case a.tag != "" && out[i].tag == "":
			out[i] = a
		case a.tag != "" && a.tag != out[i].tag:
			out = append(out, a) // one manifest under two tags
		}
	}
	return out
}

// copyArtifacts copies referrers and signatures concurrently.
func (j *job) copyArtifacts(ctx context.Context, arts []artifact, depth int) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, a := range arts {
		g.Go(func() error {
			var err error
			if a.tag == "" {
				err = j.copyManifest(gctx, a.desc, depth)
			} else {
				err = j.copyTagged(gctx, a)
			}
			if err == nil {
				j.stats.referrers.Add(1)
			}
			return err
		})
	}
	return g.Wait()
}

// copyTagged copies a cosign signature, attestation or SBOM under its tag,
// unless the target tag points at it already.
func (j *job) copyTagged(ctx context.Context, a artifact) error {
	ran, err := j.e.manifests.do(ctx, j.dstKey()+":"+a.tag+"@"+a.desc.Digest.String(), func() error {
		got, found, err := j.headTarget(ctx, a.tag)
		if err != nil {
			return err
		}
		if found && got.Digest == a.desc.Digest {
			j.manifestDone(a.desc, HowPresent)
			return nil
		}
		body, err := j.fetchManifest(ctx, a.desc)
		if err != nil {
			return err
		}
		if err := j.copyChildren(ctx, a.desc, body, maxReferrerDepth); err != nil {
			return err
		}
		return j.pushManifest(ctx, a.desc, body, a.tag)
	})
	if err == nil && !ran {
		j.manifestDone(a.desc, HowPresent)
	}
	return err
}

// recheckReferrers copies the referrers and signatures added in the source
// since a present image was copied: those of its top manifest (not of a
// filtered index, which has its own digest) and, for an index, those of
// every platform manifest it keeps. What the target has already costs a
// lookup each.
func (j *job) recheckReferrers(ctx context.Context, r *root) error {
	var subjects []ocispec.Descriptor
	if !r.filtered {
		subjects = append(subjects, r.desc)
	}
	if isIndexType(r.desc.MediaType) {
		if r.body == nil {
			body, err := j.fetchManifest(ctx, r.desc)
			if err != nil {
				return err
			}
			r.body = body
		}
		c, err := parseChildren(r.desc, r.body)
		if err != nil {
			return err
		}
		subjects = append(subjects, c.manifests...)
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, d := range subjects {
		g.Go(func() error {
			arts, err := j.listReferrers(gctx, d, true)
			if err != nil {
				return err
			}
			return j.copyArtifacts(gctx, arts, 1)
		})
	}
	return g.Wait()
}
