// Package testregistry starts real CNCF distribution registries for tests:
// in-process (github.com/distribution/distribution/v3, served by
// httptest) and, for end-to-end tests, the docker-registry server from
// Debian's package as a separate process. Nothing here is an HTTP mock.
package testregistry
