// Package sharedcharts gives tests the real charts in ../shared/charts
// beside the repository, and the way SOURCES.md says each was rendered
// (the "Render:" lines, plus the StackState vendor-script values). Tests
// that need them skip with a message where the directory is absent.
package sharedcharts
