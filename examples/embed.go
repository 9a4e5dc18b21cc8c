// Package examples holds the example chart, embedded so that `airlift
// demo` runs the whole job on it wherever the binary is.
package examples

import "embed"

// Platform is the example chart examples/platform (its files under
// "platform/").
//
//go:embed all:platform
var Platform embed.FS
