// Package cli holds airlift's commands and printers. It is the only package
// that writes to stdout and stderr: each command parses its flags, makes
// one library call and prints the result. Errors are printed as one line
// and mapped to exit codes: 1 for failures, 2 for usage errors.
//
// Every command that reaches a registry or a chart repository takes the
// same registry flags (registryFlags) and builds one registry client from
// them, which fetches the chart and copies the images alike.
package cli
