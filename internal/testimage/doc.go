// Package testimage pushes synthetic images into a registry, or any
// oras-go repository, for tests and for airlift demo:
// multi-platform OCI indexes and Docker manifest lists whose layers are
// random (incompressible) bytes, layers shared between images, cosign-style
// signature tags and OCI referrers. Everything derives from a seed, so the
// same spec gives the same digests. It also checks a registry's content
// with plain HTTP requests (FetchManifest, HasBlob), independently of the
// client library under test.
package testimage
