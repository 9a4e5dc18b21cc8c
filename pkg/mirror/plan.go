package mirror

import (
	"context"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// Plan resolves every source (one request each: a HEAD, or with Platforms a
// GET of the manifest to filter) and looks up every target reference (one
// HEAD each) without copying anything: for --dry-run. Status is Copied
// (would copy), Present, or Failed (a source that cannot be resolved, a
// target that cannot be looked up, no matching platform). SourceDigest,
// TargetDigest and Filtered are set as Copy would set them; the counters
// stay zero. Options.Prepare is not called. Events: ImageStart and
// ImageDone only (How "copied" meaning "would copy").
func Plan(ctx context.Context, images []reference.Pair, opts Options) ([]Result, error) {
	return run(ctx, images, opts, (*job).plan)
}

func (j *job) plan(ctx context.Context, res *Result) error {
	r, err := j.check(ctx, true)
	if err != nil {
		return err
	}
	res.SourceDigest, res.TargetDigest, res.Filtered = r.src.Digest, r.desc.Digest, r.filtered
	if r.present {
		res.Status = Present
	}
	return nil
}
