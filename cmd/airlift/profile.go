package main

import (
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile of the run to the file named by
// AIRLIFT_CPUPROFILE, when set (for the benchmarks: `go tool pprof`). It
// returns what stops it.
func startProfile() func() {
	name := os.Getenv("AIRLIFT_CPUPROFILE")
	if name == "" {
		return func() {}
	}
	f, err := os.Create(name)
	if err != nil {
		os.Stderr.WriteString("airlift: AIRLIFT_CPUPROFILE: " + err.Error() + "\n")
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
