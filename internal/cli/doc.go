// Package cli holds airlift's commands and printers. It is the only package
// that writes to stdout and stderr: each command parses its flags, makes
// one library call and prints the result. Errors are printed as one line
// and mapped to exit codes: 1 for failures, 2 for usage errors.
package cli
