// Package startup keeps the garbage collector out of package
// initialisation. The Helm SDK and the Kubernetes libraries allocate about
// 6 MB in their init functions, which with the default heap goal costs
// several collections before main runs: 3 ms of the ~18 ms airlift takes to
// start, measured with hyperfine. Go initialises ready packages in import
// path order, and this package, which imports only runtime/debug, comes
// before github.com/santhosh-tekuri, helm.sh, k8s.io and oras.land: it turns
// the collector off, and Done, the first call of main, turns it back to the
// setting the process started with (GOGC included). Init allocations are
// bounded, so this cannot let memory grow.
package startup

import "runtime/debug"

var gcPercent = debug.SetGCPercent(-1)

// Done restores the garbage collector's setting.
func Done() { debug.SetGCPercent(gcPercent) }
