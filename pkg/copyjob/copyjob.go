package copyjob

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airlift-cli/airlift/pkg/discover"
	"github.com/airlift-cli/airlift/pkg/inventory"
	"github.com/airlift-cli/airlift/pkg/mirror"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/registry"
)

// Request is one `airlift copy`.
type Request struct {
	// The images: those an application runs (the inventory of a chart,
	// from fromchart.Inventory, or of manifests), and/or references.
	Inventory *inventory.Report
	Images    []string
	// Mapping says where each image goes.
	Mapping reference.Mapping
	// Shard selects this run's share of the images.
	Shard Shard
	// DryRun plans without copying: every source resolved, every target
	// checked, what would be created said, nothing written.
	DryRun bool
	// Through, when set (REGISTRY[/PREFIX]), is where every source image
	// is fetched from instead of its own registry: kept there under its
	// source's host, as a keep-host copy lays it out and as `airlift serve
	// ARCHIVE` serves an archive (quay.io/org/app:1 is fetched as
	// REGISTRY/PREFIX/quay.io/org/app:1). Targets and the report keep the
	// source references.
	Through string
	// Pairs, when set, are copied as given, each source to its target,
	// instead of the images of Inventory and Images mapped by Mapping
	// (which then only names the destination in the report).
	Pairs []reference.Pair
	// Source, when set, serves the source repositories that are not in a
	// registry (an archive's), by registry and repository name; ok false
	// sends the request to the registry.
	Source func(registry, repository string) (repo mirror.Repo, ok bool)
	// SkipPreflight copies without the pre-flight (see Run), for
	// registries that reject its probes.
	SkipPreflight bool
	// Registry is the access to registries (credentials, plain HTTP, TLS,
	// retries, ECR); nil means a client with default options.
	Registry *registry.Client
	// Engine configures the copy engine: Jobs, Platforms, SkipReferrers,
	// RecheckReferrers, Events, Logger. Its Repository, Prepare, Absent
	// and Retry are Run's own (the Registry client's): any set here are
	// ignored.
	Engine mirror.Options
}

// Report is what a copy did (or, for a dry-run, would do).
type Report struct {
	Destination string
	Shard       Shard
	DryRun      bool
	// Platforms the copy was filtered to (empty: all).
	Platforms []string
	// Results, one per image of this shard, sorted by source.
	Results []mirror.Result
	// Prepare lists what would be created in the target (dry-run).
	Prepare []string
	// Created lists what was created in the target (Harbor projects, ECR
	// repositories).
	Created []string
	// Warnings of the inventory.
	Warnings []discover.Warning
	Elapsed  time.Duration
}

// Summary counts results.
// It is part of `airlift copy -o json`: keys are camelCase like the rest.
type Summary struct {
	Images  int `json:"images"`
	Copied  int `json:"copied"`
	Present int `json:"present"`
	Failed  int `json:"failed"`
	// Interrupted counts images the run's context stopped (Ctrl-C): not
	// failures, they are done when the copy runs again.
	Interrupted int   `json:"interrupted"`
	Bytes       int64 `json:"bytes"`
	Mounted     int   `json:"mounted"`
	Referrers   int   `json:"referrers"`
	Filtered    int   `json:"filtered"`
}

// Summary counts the results.
func (r *Report) Summary() Summary {
	s := Summary{Images: len(r.Results)}
	for _, res := range r.Results {
		switch res.Status {
		case mirror.Copied:
			s.Copied++
		case mirror.Present:
			s.Present++
		case mirror.Failed:
			if Interrupted(res) {
				s.Interrupted++
			} else {
				s.Failed++
			}
		}
		s.Bytes += res.Bytes
		s.Mounted += res.Mounted
		s.Referrers += res.Referrers
		if res.Filtered {
			s.Filtered++
		}
	}
	return s
}

// Interrupted reports whether a failed result was stopped by the run's
// context rather than failing: an image's own failure stops its other
// work with its own error, so a cancellation in a result comes from the
// caller.
func Interrupted(r mirror.Result) bool {
	return r.Status == mirror.Failed && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded))
}

// ErrInterrupted is returned (wrapped, with the context's error) by Run
// when its context ended before every image was done; the report holds
// what was done.
var ErrInterrupted = errors.New("copy interrupted")

// ErrFailed is returned (wrapped) by Run when at least one image failed;
// the report holds the results of all of them.
var ErrFailed = errors.New("images failed")

// Pairs resolves the request's images and maps them, without touching a
// registry: the sources, sorted and unique, each with its target, for
// this shard. Collisions are an error naming both sources.
func Pairs(ctx context.Context, req Request) ([]reference.Pair, []discover.Warning, error) {
	if len(req.Pairs) > 0 {
		return req.Shard.take(slices.Clone(req.Pairs)), nil, nil
	}
	var srcs []reference.Reference
	var warnings []discover.Warning
	if rep := req.Inventory; rep != nil {
		for _, img := range rep.Images {
			srcs = append(srcs, img.Ref)
		}
		warnings = rep.Warnings
	}
	for _, s := range req.Images {
		r, err := reference.Parse(s)
		if err != nil {
			return nil, nil, err
		}
		srcs = append(srcs, r)
	}
	if len(srcs) == 0 {
		return nil, warnings, errors.New("no images to copy")
	}
	pairs, err := req.Mapping.MapAll(srcs)
	if err != nil {
		return nil, warnings, err
	}
	return req.Shard.take(pairs), warnings, nil
}

// Run copies (or plans) the request. Per-image failures do not stop the
// others; Run then returns the full report and an error wrapping
// ErrFailed.
//
// A pre-flight (registry.Client.Preflight) checks every target registry
// and namespace: the credentials are accepted, a push is allowed, and the
// namespaces the targets need exist or are created now (Harbor projects,
// ECR repositories). It starts when the first image needs to write, after
// the images' manifests were resolved on both sides, and no source blob is
// read and nothing is written to a target before it has passed; a re-run
// that finds every image present makes no request for it. When it finds
// problems, Run returns no
// report and a *registry.PreflightError listing them all: nothing was
// copied (namespaces created before a problem was found stay, and
// Registry.Created lists them). It costs a few requests per target
// registry, stated there, and nothing on a re-run that finds every image
// present; SkipPreflight leaves it out. A dry run has no pre-flight: it says what it would create, and
// does not look up targets in namespaces that do not exist yet.
func Run(ctx context.Context, req Request) (*Report, error) {
	start := time.Now()
	pairs, warnings, err := Pairs(ctx, req)
	if err != nil {
		return nil, err
	}
	original := map[string]reference.Reference{}
	if req.Through != "" {
		via, err := reference.ParseDestination(req.Through, reference.KeepHost)
		if err != nil {
			return nil, fmt.Errorf("through %s: %w", req.Through, err)
		}
		for i, p := range pairs {
			from, err := via.Map(p.Source)
			if err != nil {
				return nil, err
			}
			original[from.String()] = p.Source
			pairs[i].Source = from
		}
	}
	client := req.Registry
	if client == nil {
		if client, err = registry.New(registry.Options{Logger: req.Engine.Logger}); err != nil {
			return nil, err
		}
	}
	opts := req.Engine
	opts.Repository = func(ctx context.Context, reg, repo string) (mirror.Repo, error) {
		if req.Source != nil {
			if r, ok := req.Source(reg, repo); ok {
				return r, nil
			}
		}
		return client.Repository(ctx, reg, repo)
	}
	opts.Retry = client.Retry
	opts.Prepare, opts.Absent = nil, nil
	rep := &Report{Destination: req.Mapping.String(), Shard: req.Shard, DryRun: req.DryRun, Platforms: opts.Platforms, Warnings: warnings}
	if req.DryRun {
		seen, planned, absent := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, p := range pairs {
			if seen[p.Target.Name()] {
				continue
			}
			seen[p.Target.Name()] = true
			plan, err := client.PlanPrepare(ctx, p.Target.Registry, p.Target.Repository)
			if plan != "" && err == nil {
				absent[p.Target.Name()] = true // its namespace does not exist yet
			}
			if err != nil {
				plan += " (if missing: " + err.Error() + ")"
			}
			if plan != "" && !planned[plan] {
				planned[plan] = true
				rep.Prepare = append(rep.Prepare, plan)
			}
		}
		opts.Absent = func(reg, repo string) bool { return absent[reg+"/"+repo] }
		rep.Results, err = mirror.Plan(ctx, pairs, opts)
	} else {
		// The pre-flight starts when the first image needs to write: the
		// images are looked up on both sides first, an image found present
		// is done without it (a no-op re-run makes no request for it), and
		// nothing is read from a source blob or written to a target until
		// it passed. When it fails, the copy stops and its problems are
		// the error.
		engineCtx, stop := context.WithCancel(ctx)
		defer stop()
		var preflightErr error
		var started atomic.Bool
		passed := make(chan struct{})
		startPreflight := sync.OnceFunc(func() {
			started.Store(true)
			if req.SkipPreflight {
				close(passed)
				return
			}
			go func() {
				defer close(passed)
				if preflightErr = client.Preflight(ctx, targets(pairs)); preflightErr != nil {
					stop()
				}
			}()
		})
		opts.Gate = func(ctx context.Context) error {
			startPreflight()
			select {
			case <-passed:
				return preflightErr
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		opts.Prepare = func(ctx context.Context, reg, repo string) error {
			_, err := client.Prepare(ctx, reg, repo)
			return err
		}
		rep.Results, err = mirror.Copy(engineCtx, pairs, opts)
		if started.Load() {
			<-passed
		}
		if preflightErr != nil {
			return nil, preflightErr
		}
		rep.Created = client.Created()
	}
	rep.Elapsed = time.Since(start)
	for i, r := range rep.Results {
		if src, ok := original[r.Image.Source.String()]; ok {
			rep.Results[i].Image.Source = src
		}
	}
	if err != nil {
		return rep, err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return rep, fmt.Errorf("%w: %w", ErrInterrupted, ctxErr)
	}
	if n := rep.Summary().Failed; n > 0 {
		return rep, fmt.Errorf("%d of %d %w", n, len(rep.Results), ErrFailed)
	}
	return rep, nil
}

// targets are the target repositories of pairs, each once.
func targets(pairs []reference.Pair) []registry.Target {
	seen := map[string]bool{}
	var out []registry.Target
	for _, p := range pairs {
		if !seen[p.Target.Name()] {
			seen[p.Target.Name()] = true
			out = append(out, registry.Target{Registry: p.Target.Registry, Repository: p.Target.Repository})
		}
	}
	return out
}
