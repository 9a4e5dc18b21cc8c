package testregistry

import (
	"net/http"
	"testing"
)

func TestStart(t *testing.T) {
	t.Parallel()
	for name, start := range map[string]func(testing.TB) *Registry{
		"in-process": func(t testing.TB) *Registry { return Start(t) },
		"filesystem": func(t testing.TB) *Registry { return Start(t, WithFilesystem(t.TempDir())) },
		"process":    func(t testing.TB) *Registry { return StartProcess(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
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

func TestProxy(t *testing.T) {
	t.Parallel()
	p := NewProxy(t, Start(t))
	get := func() (int, error) {
		resp, err := http.Get(p.URL + "/v2/")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	tests := []struct {
		name   string
		action Action
		want   int
		err    bool
	}{
		{"forward", Forward, 200, false},
		{"503", Status503, 503, false},
		{"429", Status429, 429, false},
		{"reset", Reset, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.SetFault(func(*http.Request, int) Action { return tt.action })
			code, err := get()
			if (err != nil) != tt.err || code != tt.want {
				t.Errorf("got %d, %v; want %d, error %v", code, err, tt.want, tt.err)
			}
		})
	}
	p.SetFault(nil)
	if n := len(p.Requests()); n != 4 {
		t.Errorf("%d requests recorded, want 4", n)
	}
}

func TestStartProcessWithAuth(t *testing.T) {
	t.Parallel()
	r := StartProcess(t, WithBasicAuth("alice", "wonderland"))
	for _, tc := range []struct {
		user, pass string
		want       int
	}{{"", "", 401}, {"alice", "wrong", 401}, {"alice", "wonderland", 200}} {
		req, _ := http.NewRequest(http.MethodGet, r.URL+"/v2/", nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s/%s: %d, want %d", tc.user, tc.pass, resp.StatusCode, tc.want)
		}
	}
}
