// Package atomicfile writes files atomically: a reader sees the old file or
// the new one, never a part of one, and a crash leaves no partial file.
package atomicfile
