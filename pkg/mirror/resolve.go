package mirror

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
)

// maxManifestBytes bounds the manifests (and image configs) the engine
// reads into memory.
const maxManifestBytes = 4 << 20

// root is the top manifest of an image: what the source reference resolved
// to and what is pushed under the target reference.
type root struct {
	src      ocispec.Descriptor // the source manifest
	desc     ocispec.Descriptor // what is pushed: src, or the filtered index
	body     []byte             // desc's bytes; nil until fetched
	filtered bool               // desc is a filtered copy of src
	present  bool               // the target reference points at desc already
}

// check resolves the source (one request; with Platforms a GET of the
// manifest, else a HEAD) and looks up the target reference (one HEAD, at the
// same time when the target has a tag; none for an Absent target). strict makes a failed target lookup
// an error (Plan); otherwise it only means "not present" and the copy goes
// on, so that a registry refusing HEAD before Prepare has run still works.
func (j *job) check(ctx context.Context, strict bool) (*root, error) {
	var (
		got   ocispec.Descriptor
		found bool
		terr  error
		wg    sync.WaitGroup
	)
	tag := j.img.Target.Tag
	absent := j.s.Absent != nil && j.s.Absent(j.img.Target.Registry, j.img.Target.Repository)
	if tag != "" && !absent {
		wg.Go(func() { got, found, terr = j.headTarget(ctx, tag) })
	}
	r, err := j.resolve(ctx)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if want := j.img.Target.Digest; want != "" && digest.Digest(want) != r.desc.Digest {
		return nil, fmt.Errorf("%w: target digest %s differs from the digest to push, %s", ErrBadReference, want, r.desc.Digest)
	}
	if tag == "" && !absent {
		got, found, terr = j.headTarget(ctx, r.desc.Digest.String())
	}
	if terr != nil {
		if strict {
			return nil, terr
		}
		j.s.log.Debug("target lookup failed; copying", "image", j.img.String(), "err", terr)
	}
	r.present = found && got.Digest == r.desc.Digest
	if found && !r.present {
		j.s.log.Debug("target tag will move", "image", j.img.String(), "from", got.Digest, "to", r.desc.Digest)
	}
	return r, nil
}

// headTarget resolves ref (tag or digest) in the target; a missing
// reference is not an error.
func (j *job) headTarget(ctx context.Context, ref string) (desc ocispec.Descriptor, found bool, err error) {
	err = j.unit(ctx, "looking up target", "", func(ctx context.Context) error {
		desc, found, err = lookup(ctx, j.dst, ref)
		return err
	})
	if err != nil {
		return desc, false, &OpError{Op: "looking up target", Ref: ref, Side: SideTarget, Err: tidy(err)}
	}
	return desc, found, nil
}

// lookup resolves ref (one HEAD); a missing reference is not an error.
func lookup(ctx context.Context, repo Repo, ref string) (ocispec.Descriptor, bool, error) {
	desc, err := repo.Resolve(ctx, ref)
	switch {
	case err == nil:
		return desc, true, nil
	case errors.Is(err, errdef.ErrNotFound):
		return desc, false, nil
	}
	return desc, false, err
}

// resolve resolves the source reference. Without Platforms it is a HEAD;
// with Platforms the manifest is fetched and filtered.
func (j *job) resolve(ctx context.Context) (*root, error) {
	ref := j.img.Source.Tag
	if j.img.Source.Digest != "" {
		ref = j.img.Source.Digest
	}
	r := &root{}
	if len(j.s.platforms) == 0 {
		err := j.unit(ctx, "resolving source", "", func(ctx context.Context) (err error) {
			r.src, err = j.src.Resolve(ctx, ref)
			return err
		})
		if err != nil {
			return nil, &OpError{Op: "resolving source", Side: SideSource, Err: tidy(err)} // err names the reference
		}
		r.desc = r.src
		return r, checkManifestType(r.src)
	}
	err := j.unit(ctx, "fetching source", "", func(ctx context.Context) error {
		desc, rc, err := j.src.FetchReference(ctx, ref)
		if err != nil {
			return err
		}
		defer rc.Close()
		if err := checkManifestType(desc); err != nil {
			return permanent(err)
		}
		r.src = desc
		r.body, err = content.ReadAll(rc, desc)
		return err
	})
	if err != nil {
		return nil, &OpError{Op: "fetching source", Side: SideSource, Err: tidy(err)}
	}
	r.desc = r.src
	return r, j.applyPlatforms(ctx, r)
}

// checkManifestType rejects what the engine cannot copy.
func checkManifestType(desc ocispec.Descriptor) error {
	if !isManifestType(desc.MediaType) {
		return fmt.Errorf("%w: %s has media type %q", ErrUnsupported, desc.Digest, desc.MediaType)
	}
	if desc.Size > maxManifestBytes {
		return fmt.Errorf("%w: manifest %s is %d bytes, more than %d", ErrUnsupported, desc.Digest, desc.Size, maxManifestBytes)
	}
	return nil
}

// fetchManifest reads a manifest from the source and verifies its digest
// (manifests are small, and parsed: they are hashed; blobs are not).
func (j *job) fetchManifest(ctx context.Context, desc ocispec.Descriptor) ([]byte, error) {
	if err := checkManifestType(desc); err != nil {
		return nil, err
	}
	var body []byte
	err := j.unit(ctx, "fetching manifest", desc.Digest, func(ctx context.Context) error {
		rc, err := j.src.Manifests().Fetch(ctx, desc)
		if err != nil {
			return err
		}
		defer rc.Close()
		body, err = content.ReadAll(rc, desc)
		return err
	})
	return body, opErr("fetching manifest", SideSource, desc.Digest, err)
}
