// Package reference parses and normalises container image references the
// way container runtimes do.
//
// A reference is registry/repository[:tag][@digest]. Parsing normalises it:
// the registry defaults to docker.io, one-part Docker Hub names gain the
// library/ prefix, index.docker.io becomes docker.io, registries with a port
// and localhost are recognised, a tag and a digest given together are both
// kept, and a reference with neither gets the tag "latest" (as a runtime pulls
// it). Upper case in the registry or repository is rejected. Errors quote the
// input and say what is wrong.
package reference
