// Package blobindex remembers, in a file, where blobs live in target
// registries across runs of airlift copy: for each registry and blob
// digest, a repository that holds it. It is the [mirror.BlobIndex] the
// copy engine asks before uploading a blob that another repository of the
// same registry already has (a new chart version under another prefix, the
// same base layers in another image), so that the blob is mounted, not
// sent again.
//
// It is a cache: a missing or unreadable file is an empty index, a stale
// entry costs one failed mount, and two processes saving at once lose at
// most each other's newest entries. The file holds no credentials, only
// registry hosts, repository names and digests.
package blobindex
