// Package delegate runs a command line in airlift's other binary.
//
// airlift ships as two executables built from the same sources: airlift,
// which does not link the Helm SDK and so starts in a few milliseconds (a
// no-op mirror run is judged against tools that finish in ~0.05 s), and
// airlift-charts, the same command line with chart rendering linked in.
// When airlift is given a command that needs a chart, it hands the whole
// command line to airlift-charts: on Unix by exec, so the process, its
// streams, signals and exit code are those of airlift-charts.
package delegate
