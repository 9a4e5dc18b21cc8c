// Package cli holds airlift's commands and printers. It is the only package
// that writes to stdout and stderr: each command parses its flags, makes
// one library call and prints the result. Errors are printed as one line
// and mapped to exit codes: 1 for failures, 2 for usage errors.
//
// The package does not link the Helm SDK: the calls that render a chart
// come in through [Charts], which the airlift-charts binary fills with
// package fromchart's. In the light airlift binary Charts is nil, and a
// command that needs a chart hands its whole command line to
// [Setup].Delegate before reading any input; everything else (copying a
// list of images, post-rendering, images of plain manifests, --help) runs
// in process.
package cli
