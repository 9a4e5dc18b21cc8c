package startup

import (
	"runtime/debug"
	"testing"
)

func TestDoneRestores(t *testing.T) {
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Fatalf("GC percent during init = %d, want -1 (off)", got)
	}
	Done()
	if got := debug.SetGCPercent(gcPercent); got != gcPercent || gcPercent == -1 {
		t.Errorf("after Done: %d, want the starting setting %d", got, gcPercent)
	}
}
