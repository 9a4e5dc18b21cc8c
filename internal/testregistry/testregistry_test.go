package testregistry

import (
	"net/http"
	"testing"
)

func TestStart(t *testing.T) {
	for name, start := range map[string]func(testing.TB) *Registry{
		"in-process": func(t testing.TB) *Registry { return Start(t) },
		"filesystem": func(t testing.TB) *Registry { return Start(t, WithFilesystem(t.TempDir())) },
		"process":    StartProcess,
	} {
		t.Run(name, func(t *testing.T) {
			r := start(t)
			resp, err := http.Get(r.URL + "/v2/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /v2/: %s", resp.Status)
			}
		})
	}
}
