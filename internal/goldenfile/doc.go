// Package goldenfile compares test output with golden files, and rewrites
// them when the test binary runs with -update (go test ./PKG -update). It
// is for tests only.
package goldenfile
