// Package catalog knows the images operators pull by default: images
// compiled into an operator's binary and written in no manifest (an
// instrumentation image per language, the default database image of a
// cluster resource, a sidecar). It is a small, versioned table: each
// operator is known by its image repositories, each release by a range of
// versions, and each default image cites the file of the operator's source
// it was read from, with the settings (flags, env, config keys) that replace
// it and the resource it serves.
//
// The table is data (operators.yaml, embedded); [Default] parses it once.
// [Catalog.Lookup] finds the release of an operator image; package discover
// decides, from the manifests around the operator, which defaults apply.
package catalog
