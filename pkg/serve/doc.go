// Package serve runs an embedded OCI registry (CNCF distribution, as a
// library) for a site that has none: from a directory (read-write,
// filesystem storage) or straight from an archive written by package
// bundle (read-only, nothing extracted: blobs are served from their
// offsets in the tar). TLS with a given certificate and key, htpasswd
// basic auth, and a read-only mode are distribution's own.
//
// An archive is served through a storage driver that presents the OCI
// layout in distribution's storage layout: every tagged entry
// "REPOSITORY:TAG" of index.json is tag TAG of repository REPOSITORY,
// with the manifests and blobs it reaches linked into that repository.
// Distribution has no referrers API; signatures, attestations and SBOMs
// whose subject is in the archive are listed, as registries without the
// API do, under the tag "sha256-<digest of the subject>" (the OCI
// referrers tag schema), which clients fall back to.
package serve
