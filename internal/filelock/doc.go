// Package filelock takes an exclusive, advisory lock on a file for the
// life of a process: two airlift runs that would write the same output
// (a pack and its work directory) find out at once instead of
// overwriting each other's work. The lock is the operating system's
// (flock on Unix, LockFileEx on Windows): it is released when the process
// ends, however it ends, so a killed run never leaves a stale lock.
package filelock
