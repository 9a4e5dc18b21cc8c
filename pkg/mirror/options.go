package mirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/registry"
)

// DefaultJobs is the number of concurrent transfers when Options.Jobs is 0.
const DefaultJobs = 8

// Repo is the storage the engine talks to. *remote.Repository (oras-go)
// satisfies it; so does any registry.Repository.
type Repo = registry.Repository

// Options configures Copy and Plan. Only Repository is required.
type Options struct {
	// Repository returns the oras-go repository for registry/repository
	// (auth, retries, plain HTTP configured by the caller). Required. It is
	// called once per repository and run; the engine keeps the result, so
	// state such as the Referrers API capability is learnt once.
	//
	// For throughput give the HTTP client at least Jobs idle connections
	// per host (http.Transport.MaxIdleConnsPerHost; Go's default is 2).
	Repository func(ctx context.Context, registry, repository string) (Repo, error)
	// Prepare is called once per target repository before the first push
	// into it (ECR repository creation); nil = nothing to prepare. Its error
	// fails every image copied into that repository.
	Prepare func(ctx context.Context, registry, repository string) error
	// Gate, when set, is waited for before an image writes to its target or
	// reads a blob from its source; looking the image up on both sides
	// comes first, so an image found present never calls it (copyjob
	// starts its pre-flight on the first call). Its error fails the image.
	Gate func(ctx context.Context) error
	// Absent reports target repositories known not to exist yet (in a
	// Harbor project or an ECR repository that Prepare would create): they
	// are not looked up, and their images are not present. Harbor refuses
	// to look into a project that does not exist, which would fail a
	// dry run's lookups. nil = every target is looked up.
	Absent func(registry, repository string) bool
	// Retry says whether to try a failed unit of work again (a blob copy: the
	// source fetch and the target push; a manifest fetch or push; a mount)
	// and after how long; attempt counts failures so far (1-based). nil = no
	// engine-level retries. It is not consulted once the context is done.
	Retry func(attempt int, err error) (wait time.Duration, retry bool)
	// Jobs bounds concurrent registry operations (blob and manifest copies,
	// existence checks, referrer listings) across all images. Default 8.
	Jobs int
	// Platforms keeps only these platforms ("linux/amd64", "linux/arm/v7") of
	// an index; empty = all. A variant left out matches any variant.
	Platforms []string
	// SkipReferrers leaves signatures, attestations and SBOMs behind.
	SkipReferrers bool
	// RecheckReferrers makes an image already present in the target look
	// for signatures, attestations and SBOMs added to the source since it
	// was copied (signing pipelines often sign after pushing): the
	// referrers and cosign tags of its top manifest and, for an index, of
	// each platform manifest, copied when missing. It costs those lookups
	// on every present image (about four requests per manifest); without
	// it a present image costs one request and its referrers are not
	// looked at again.
	RecheckReferrers bool
	// Blobs remembers across runs which repository of a target registry
	// holds a blob (see BlobIndex); nil = only what this run learns.
	Blobs BlobIndex
	// Events receives progress (called from many goroutines; must be cheap
	// and safe for concurrent use). nil = no events.
	Events func(Event)
	// Logger receives debug records of the engine's decisions (skips, mounts,
	// retries). nil = discard.
	Logger *slog.Logger
}

// ErrInvalidOptions is wrapped by the error Copy and Plan return when they
// cannot start.
var ErrInvalidOptions = errors.New("invalid mirror options")

// settings are validated Options with defaults applied.
type settings struct {
	Options
	platforms []platformSpec
	log       *slog.Logger
}

func (o Options) settings() (*settings, error) {
	s := &settings{Options: o, log: o.Logger}
	if o.Repository == nil {
		return nil, fmt.Errorf("%w: Repository is required", ErrInvalidOptions)
	}
	switch {
	case o.Jobs < 0:
		return nil, fmt.Errorf("%w: Jobs is %d, want 0 (default %d) or more", ErrInvalidOptions, o.Jobs, DefaultJobs)
	case o.Jobs == 0:
		s.Jobs = DefaultJobs
	}
	for _, p := range o.Platforms {
		spec, err := parsePlatform(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
		}
		s.platforms = append(s.platforms, spec)
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s, nil
}

// emit sends ev to Options.Events, if set.
func (s *settings) emit(ev Event) {
	if s.Events != nil {
		s.Events(ev)
	}
}

// BlobIndex remembers, across runs, a repository of a target registry that
// holds a blob, so that a later run mounts the blob into another
// repository instead of uploading it again: the monthly update of a mirror
// shares base layers with last month's images, copied under another
// prefix or repository. The engine looks a blob up only when the target
// repository lacks it and this run knows of no other place, and records
// every blob it has made or found present. A stale answer costs one
// request: the registry then opens an upload, which the engine completes.
// Implementations must be safe for concurrent use.
type BlobIndex interface {
	Lookup(registry string, d digest.Digest) (repository string, ok bool)
	Record(registry, repository string, d digest.Digest)
}
