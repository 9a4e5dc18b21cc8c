package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestTryLock(t *testing.T) {
	tests := []struct {
		name string
		// between runs after the first lock is taken; it returns whether
		// the second TryLock must fail.
		between func(t *testing.T, path string, first *Lock) (locked bool)
	}{
		{name: "held: the second fails and names the holder", between: func(*testing.T, string, *Lock) bool { return true }},
		{name: "released: the second succeeds", between: func(t *testing.T, _ string, first *Lock) bool {
			if err := first.Unlock(); err != nil {
				t.Fatal(err)
			}
			return false
		}},
		{name: "the holder removed the file: a new one is locked", between: func(t *testing.T, path string, _ *Lock) bool {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			return false
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lock")
			first, err := TryLock(path)
			if err != nil {
				t.Fatal(err)
			}
			defer first.Unlock()
			wantLocked := tt.between(t, path, first)
			second, err := TryLock(path)
			if !wantLocked {
				if err != nil {
					t.Fatalf("second lock: %v", err)
				}
				second.Unlock()
				return
			}
			var le *LockedError
			if !errors.Is(err, ErrLocked) || !errors.As(err, &le) {
				t.Fatalf("second lock: %v, want ErrLocked", err)
			}
			if le.PID != os.Getpid() {
				t.Errorf("holder pid %d, want %d (%v)", le.PID, os.Getpid(), err)
			}
			t.Log(err)
		})
	}
}
