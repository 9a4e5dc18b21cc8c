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
//
// The grammar and the normalisation are those of
// github.com/distribution/reference (ParseNormalizedNamed), which docker and
// containerd use; this package does not re-implement them. It adds:
//
//   - a plain [Reference] value with the parts already split out, and
//     TagImplied to tell "busybox" from "busybox:latest";
//   - [Error] values that wrap [ErrInvalid], quote the input on one line and
//     give a specific reason ("tag is empty", "contains whitespace",
//     "must not include a URL scheme", ...) where the library says only
//     "invalid reference format";
//   - two rejections the library lacks: upper case in the registry, and a
//     first component that the library takes for a registry although it is
//     not a valid host (for "my_host.io/app" the library returns a reference
//     with no registry at all).
//
// Some library behaviour is kept as is and may surprise:
//
//   - registry-1.docker.io is not rewritten to docker.io;
//   - a single component is always a Docker Hub repository, so "localhost"
//     is docker.io/library/localhost:latest and "quay.io:5000" is
//     docker.io/library/quay.io with the tag "5000";
//   - a bare digest "sha256:<hex>" is the image docker.io/library/sha256 with
//     the hex as its tag, while a bare 64-character hex string is rejected;
//   - tags may contain upper case ("busybox:V1").
package reference
