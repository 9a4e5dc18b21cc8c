// Package layout keeps images of many repositories in one OCI image
// layout (oci-layout, index.json, blobs/sha256/...), as a directory that
// is written to or as a tar archive read in place, and gives each
// repository a view that the copy engine (pkg/mirror) copies to and from
// as it does with a registry: [Layout.Repository] returns an oras-go
// registry.Repository.
//
// # Names
//
// A tag of repository R is kept in index.json as the descriptor of what
// it points to, annotated with org.opencontainers.image.ref.name "R:TAG"
// (the full name, as skopeo's oci transports and containerd's import
// name images), io.containerd.image.name with the same, and the source
// reference the image was copied from (AnnotationSource). Blobs are shared
// by every repository: each is stored once. Manifests with a subject
// (signatures, attestations, SBOMs) are listed in index.json untagged, so
// that their subject's referrers are found again when the layout is read.
//
// # Determinism and integrity
//
// [Layout.Save] writes index.json with its entries sorted, so that the
// same content gives the same bytes. Every blob read from an archive is
// checked against its digest as it is read: a corrupted byte fails the
// read, naming the archive part, the tar entry and the blob. An archive
// with an entry that leaves the layout (an absolute path, "..", a link, a
// device) is refused when it is opened.
package layout
