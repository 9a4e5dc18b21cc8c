// Package yamlstream splits YAML streams into documents: the input of a
// scan or a rewrite (a `helm template` output, a kustomize build), and the
// documents a string value holds (a ConfigMap's config file).
//
// Package discover records where it finds an image as document numbers and
// steps; package rewrite follows them back to the node. Both number the
// documents through this package, so that what one records, the other finds.
package yamlstream
