// Package bundle carries an application across an air gap in one archive
// that any OCI tool can read: an OCI image layout in a tar (optionally
// zstd-compressed, optionally split in numbered parts) holding every image
// with all its platforms, signatures and attestations, the chart as a Helm
// OCI artifact, and a bundle artifact with the values files, how the chart
// is rendered, and a lock (source reference -> digest).
//
// [Pack] walks the images through the copy engine (pkg/mirror), manifests
// only, lays the archive out (sorted entries, fixed times and owners: the
// same inputs give the same bytes), then fetches every blob concurrently
// straight into its place in the archive, checked against its digest: one
// write per byte. The archive is written in a work directory next to it,
// with a journal of the blobs in place, which makes an interrupted pack
// resumable; an update copies what the archive had and fetches only what
// is new. The work directory is locked for the process (internal/filelock):
// a second pack of the same output fails with [ErrBusy]. [Unpack] copies
// an archive into a registry with the same mapping, concurrency, retries
// and registry preparation as a copy, reading the archive in place and
// checking every blob against its digest. [Inspect] lists what an archive
// holds, and verifies every blob on request.
//
// # Names in index.json
//
// An image copied from quay.io/org/app:1.0 is the entry
// "quay.io/org/app:1.0" (org.opencontainers.image.ref.name, and containerd's
// image name), with the source reference in io.airlift.source; an image
// pinned by digest is "quay.io/org/app@sha256:...". The chart is
// "charts/NAME:VERSION" and the bundle "airlift/bundle:v1", told apart by
// the io.airlift.kind annotation.
package bundle
