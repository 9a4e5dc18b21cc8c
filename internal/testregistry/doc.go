// Package testregistry starts real CNCF distribution registries for tests:
// in-process (github.com/distribution/distribution/v3, served by
// httptest) and, for end-to-end tests, the docker-registry server from
// Debian's package as a separate process. Nothing here is an HTTP mock of a
// registry: a Proxy counts requests to a real one and injects faults, and
// Harbor, which cannot run here, is a stand-in for Harbor's project API
// (as Harbor's published API spec defines it) and for its refusals, in
// front of a real registry that stores what is pushed.
package testregistry
