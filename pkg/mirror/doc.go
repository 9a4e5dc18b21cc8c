// Package mirror is airlift's copy engine: it copies images between OCI
// registries over oras-go, concurrently, completely (every platform,
// signatures and referrers) and resumably.
//
// # What is copied
//
// Copy copies each image (a reference.Pair: source to target) with every
// platform of a multi-arch index, digests unchanged. Options.Platforms keeps
// only some platforms: the engine writes a new index (same media type,
// annotations and fields; the kept descriptors byte for byte, plus the buildx
// attestation manifests of the kept images) whose digest differs from the
// source's; Result.Filtered says so. A single-platform source that does not
// match fails with ErrNoMatchingPlatform.
//
// Unless Options.SkipReferrers, the engine also copies, for every manifest of
// the image (index and per-platform manifests): its OCI referrers (Referrers
// API, or the "sha256-<hex>" referrers tag schema; oras-go picks, and
// maintains the tag schema in a target without the API) and their referrers
// in turn, and the cosign tags "sha256-<hex>.sig", ".att" and ".sbom". The
// referrers of a source index are not copied to a filtered index (they do
// not refer to it).
//
// # Order, and what a re-run does
//
// Content goes children first: blobs, then the manifests that list them,
// then the index, then the image's referrers, and the target tag last (the
// index is pushed by digest first when it has referrers of its own). A run
// that is interrupted therefore never leaves a tag pointing at missing
// content, and a tag in the target means everything under it, referrers
// included, is there.
//
// A re-run resolves the source (one HEAD) and looks up the target tag (one
// HEAD). When both name the same digest the image is Present and nothing
// else happens: no child walk, no blob request, and referrers are not
// re-checked, unless [Options].RecheckReferrers: then the referrers and
// cosign tags of the top manifest and of each platform manifest are looked
// up again, and those added to the source since the copy are copied.
// Otherwise the walk skips every manifest the target
// has (a registry holds a manifest only with its children) and every blob it
// has, so only what is missing moves.
//
// # Transfers
//
// One bound, Options.Jobs, covers every registry operation of every image.
// A slot is held only while talking to a registry, never while waiting for
// children or for a transfer another image started, so nested waits cannot
// deadlock. Waiters are served in input order: earlier images finish first.
//
// Within a run, a blob is uploaded to a target registry once. Other target
// repositories of that registry mount it from the first one (waiting for its
// upload if it is in flight); a repository that already got it in this run
// costs nothing. A blob is streamed from the source GET into the target PUT
// (memory per transfer is a few buffers; nothing is staged on disk) and is
// not hashed by the client: the registry verifies the digest given with the
// PUT, and oras-go checks the size. Manifests, which the engine parses, are
// verified by digest.
//
// Failed units of work (a blob copy as a whole: source GET and target PUT; a
// manifest fetch or push; a mount) are retried as Options.Retry says; a
// streamed body cannot be replayed by the transport, so the engine repeats
// the whole unit. "Not found" answers are never retried.
//
// # Results, events, errors
//
// Copy returns one Result per image, in input order; a failed image does not
// stop the others. Its Err is an *ImageError ("copying SRC to DST: ...")
// wrapping an *OpError that says what was being done, on which digest and
// which side ("pushing blob sha256:...: ..."). Options.Events receives
// progress (see EventKind); Options.Logger gets debug records. The package
// never prints.
//
// Plan does the first two requests of Copy for every image and reports what
// Copy would do.
package mirror
