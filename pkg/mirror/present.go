package mirror

import (
	"context"
	"slices"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
)

// presentBlobs knows which blobs the target repositories of present images
// hold. A present image is never walked (its fast path costs one request),
// so a later image of the same run that needs one of its layers would
// upload it again. Before uploading, a job asks here: the manifests of the
// present images on that registry are read once (a few GETs each) and their
// blobs become mount sources. A run whose images are all present uploads
// nothing and never pays for this; neither does a first copy, which has no
// present image.
type presentBlobs struct {
	mu      sync.Mutex
	images  map[string][]presentImage // target registry -> images found present
	blobs   map[string]string         // registry@digest -> a repository that has it
	learned once[struct{}]            // registry/repository@digest -> read
	wanted  map[string][]string       // registry@digest -> repositories of this run that need it
}

// maxProbes bounds the other repositories asked for a blob (see probe).
const maxProbes = 4

// want records that repo of registry needs blobs.
func (p *presentBlobs) want(registry, repo string, blobs []ocispec.Descriptor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wanted == nil {
		p.wanted = map[string][]string{}
	}
	for _, b := range blobs {
		k := registry + "@" + b.Digest.String()
		if !slices.Contains(p.wanted[k], repo) {
			p.wanted[k] = append(p.wanted[k], repo)
		}
	}
}

// probe asks the other repositories of this run that need desc whether
// they have it already: an interrupted run may have left it in one of them
// before any tag was pushed. A blob needed by one repository only costs
// nothing; a shared base layer costs a HEAD per other repository (at most
// maxProbes).
func (j *job) probe(ctx context.Context, desc ocispec.Descriptor) (string, bool) {
	p, reg, own := &j.e.present, j.img.Target.Registry, j.img.Target.Repository
	p.mu.Lock()
	var candidates []string
	for _, r := range p.wanted[reg+"@"+desc.Digest.String()] {
		if r != own && len(candidates) < maxProbes {
			candidates = append(candidates, r)
		}
	}
	p.mu.Unlock()
	for _, c := range candidates {
		r, err := j.e.repository(reg, c)
		if err != nil {
			continue
		}
		var exists bool
		err = j.unit(ctx, "checking blob elsewhere", desc.Digest, func(ctx context.Context) (err error) {
			exists, err = r.Blobs().Exists(ctx, desc)
			return err
		})
		if err == nil && exists {
			return c, true
		}
	}
	return "", false
}

type presentImage struct {
	repo string
	desc ocispec.Descriptor
}

// add records an image found present in the target.
func (p *presentBlobs) add(registry, repo string, desc ocispec.Descriptor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.images == nil {
		p.images = map[string][]presentImage{}
	}
	p.images[registry] = append(p.images[registry], presentImage{repo, desc})
}

// mountSource returns a repository of the job's target registry, other
// than its own, that holds desc because a present image uses it.
func (j *job) mountSource(ctx context.Context, desc ocispec.Descriptor) (string, bool) {
	p, reg, own := &j.e.present, j.img.Target.Registry, j.img.Target.Repository
	p.mu.Lock()
	imgs := append([]presentImage(nil), p.images[reg]...)
	p.mu.Unlock()
	for _, pi := range imgs {
		if pi.repo == own {
			continue
		}
		// A failure to read a present image only costs the mount: the
		// blob is uploaded as it would have been.
		_, _ = p.learned.do(repoKey(reg, pi.repo)+"@"+pi.desc.Digest.String(), func() (struct{}, error) {
			return struct{}{}, j.learn(ctx, reg, pi.repo, pi.desc, 0)
		})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	repo, ok := p.blobs[reg+"@"+desc.Digest.String()]
	return repo, ok && repo != own
}

// learn reads a manifest of the target (and, for an index, its children)
// and records its blobs.
func (j *job) learn(ctx context.Context, reg, repo string, desc ocispec.Descriptor, depth int) error {
	if depth > 2 {
		return nil
	}
	r, err := j.e.repository(reg, repo)
	if err != nil {
		return err
	}
	var body []byte
	err = j.unit(ctx, "reading a present manifest", desc.Digest, func(ctx context.Context) error {
		rc, err := r.Manifests().Fetch(ctx, desc)
		if err != nil {
			return err
		}
		defer rc.Close()
		body, err = content.ReadAll(rc, desc)
		return err
	})
	if err != nil {
		return err
	}
	c, err := parseChildren(desc, body)
	if err != nil {
		return err
	}
	p := &j.e.present
	p.mu.Lock()
	if p.blobs == nil {
		p.blobs = map[string]string{}
	}
	for _, b := range c.blobs {
		if _, ok := p.blobs[reg+"@"+b.Digest.String()]; !ok {
			p.blobs[reg+"@"+b.Digest.String()] = repo
		}
	}
	p.mu.Unlock()
	for _, m := range c.manifests {
		if err := j.learn(ctx, reg, repo, m, depth+1); err != nil {
			return err
		}
	}
	return nil
}
