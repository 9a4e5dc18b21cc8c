// Package oneline flattens a message that may span lines (a Helm template
// error, a YAML parser error, a registry's error body) into one line, so
// that every error airlift prints or returns is one line of a log.
package oneline
