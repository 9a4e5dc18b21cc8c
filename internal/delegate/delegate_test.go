package delegate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	dir := t.TempDir()
	onPath := filepath.Join(dir, "airlift-test-helper")
	if err := os.WriteFile(onPath, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, env, path, want, err string
	}{
		{name: "environment first", env: onPath, path: "/nonexistent", want: onPath},
		{name: "environment names a missing file", env: filepath.Join(dir, "missing"), err: "$AIRLIFT_CHARTS"},
		{name: "on PATH", path: dir, want: onPath},
		{name: "nowhere", path: "/nonexistent", err: "airlift-test-helper: not found next to "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvBinary, tt.env)
			t.Setenv("PATH", tt.path)
			got, err := Find("airlift-test-helper")
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err = %v, want %q", err, tt.err)
				}
			case err != nil || got != tt.want:
				t.Errorf("Find = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestToRefusesALoop(t *testing.T) {
	t.Setenv(envDepth, "1")
	_, err := To("airlift-charts")(context.Background(), []string{"images", "x"})
	if err == nil || !strings.Contains(err.Error(), "without chart support") {
		t.Errorf("err = %v", err)
	}
}

func TestToNotFound(t *testing.T) {
	t.Setenv(EnvBinary, "")
	t.Setenv("PATH", "/nonexistent")
	_, err := To("airlift-test-helper")(context.Background(), []string{"images", "x"})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "rendering a chart needs airlift-test-helper") {
		t.Errorf("err = %v", err)
	}
}
