// Package rewrite moves the image references of Kubernetes manifests to a
// mirror: the core of the Helm post-renderer `airlift postrender`, and of
// whatever else has manifests to point at the mirror.
//
// [Rewrite] scans a manifest stream with package discover and edits each
// reference where discover found it, following the origin's position (the
// document, map keys, list indexes, documents held by ConfigMap values, and
// lines of a text: a version map's entry, a template line) back to its node:
// no field path is parsed. A composed reference moves by its registry part
// (Istio's global.hub), once for every image that shares it. An image an
// operator pulls by default moves by the operator's own setting (an env
// variable or a flag) added to its container. A cass-operator ImageConfig
// moves by its own registry settings (imageRegistry, overrides.registry),
// set or added, so that the server images the operator derives from a
// serverVersion later follow: the version mapping keeps working, no image
// is pinned. Those settings are the only lines added; otherwise only the
// references change: comments, quoting, key order and everything else
// stay byte for byte.
//
// The package is pure: bytes and a [reference.Mapping] in, bytes and a list
// of [Change]s out.
package rewrite
