package testregistry

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestHarbor checks the stand-in against Harbor's API v2.0 as its
// swagger.yaml defines the endpoints (and as Harbor's handlers answer
// where the swagger lists less), with plain HTTP requests.
func TestHarbor(t *testing.T) {
	t.Parallel()
	h := NewHarbor(
		HarborAccount{Name: "admin", Password: "pw", Admin: true},
		HarborAccount{Name: "robot$p", Password: "rpw", Robot: true, Push: []string{"there"}},
	)
	h.AddProject("there")
	reg := StartHarbor(t, h)
	type errorsBody struct {
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	tests := []struct {
		name, method, path, user, pass, body, ctype string
		wantStatus                                  int
		wantCode                                    string // the Errors body's first code
		wantHeader                                  string // a header that must be set
		wantJSON                                    []string
	}{
		{name: "systeminfo, anonymous", method: "GET", path: "/api/v2.0/systeminfo", wantStatus: 200,
			wantJSON: []string{"auth_mode", "self_registration", "banner_message"}, wantHeader: "X-Request-Id"},
		{name: "systeminfo, signed in", method: "GET", path: "/api/v2.0/systeminfo", user: "admin", pass: "pw", wantStatus: 200,
			wantJSON: []string{"auth_mode", "harbor_version"}},
		{name: "HEAD an existing project", method: "HEAD", path: "/api/v2.0/projects?project_name=there", user: "admin", pass: "pw", wantStatus: 200},
		{name: "HEAD a missing project", method: "HEAD", path: "/api/v2.0/projects?project_name=nope", user: "admin", pass: "pw", wantStatus: 404},
		{name: "HEAD, anonymous", method: "HEAD", path: "/api/v2.0/projects?project_name=there", wantStatus: 401},
		{name: "create", method: "POST", path: "/api/v2.0/projects", user: "admin", pass: "pw", ctype: "application/json",
			body: `{"project_name":"made","metadata":{"public":"false"}}`, wantStatus: 201, wantHeader: "Location"},
		{name: "create an existing project", method: "POST", path: "/api/v2.0/projects", user: "admin", pass: "pw", ctype: "application/json",
			body: `{"project_name":"there"}`, wantStatus: 409, wantCode: "CONFLICT"},
		{name: "create, project robot", method: "POST", path: "/api/v2.0/projects", user: "robot$p", pass: "rpw", ctype: "application/json",
			body: `{"project_name":"other"}`, wantStatus: 403, wantCode: "FORBIDDEN"},
		{name: "create, wrong password", method: "POST", path: "/api/v2.0/projects", user: "admin", pass: "no", ctype: "application/json",
			body: `{"project_name":"other"}`, wantStatus: 401, wantCode: "UNAUTHORIZED"},
		{name: "create, bad public", method: "POST", path: "/api/v2.0/projects", user: "admin", pass: "pw", ctype: "application/json",
			body: `{"project_name":"other","metadata":{"public":"yes"}}`, wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: "create, not JSON", method: "POST", path: "/api/v2.0/projects", user: "admin", pass: "pw", ctype: "text/plain",
			body: `project_name=other`, wantStatus: 415, wantCode: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "push into a missing project", method: "POST", path: "/v2/nope/app/blobs/uploads/", user: "admin", pass: "pw", wantStatus: 401, wantCode: "UNAUTHORIZED"},
		{name: "push without the right", method: "POST", path: "/v2/made/app/blobs/uploads/", user: "robot$p", pass: "rpw", wantStatus: 401, wantCode: "UNAUTHORIZED"},
		{name: "push", method: "POST", path: "/v2/there/app/blobs/uploads/", user: "robot$p", pass: "rpw", wantStatus: 202},
		{name: "registry, anonymous", method: "GET", path: "/v2/", wantStatus: 401, wantHeader: "Www-Authenticate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, reg.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s: %d %s, want %d", tt.method, tt.path, resp.StatusCode, data, tt.wantStatus)
			}
			if tt.wantHeader != "" && resp.Header.Get(tt.wantHeader) == "" {
				t.Errorf("no %s header", tt.wantHeader)
			}
			if tt.wantCode != "" {
				var body errorsBody
				if err := json.Unmarshal(data, &body); err != nil || len(body.Errors) == 0 || body.Errors[0].Code != tt.wantCode {
					t.Errorf("body %s, want an Errors body with code %s", data, tt.wantCode)
				}
			}
			if len(tt.wantJSON) > 0 {
				var obj map[string]any
				if err := json.Unmarshal(data, &obj); err != nil {
					t.Fatalf("body %s: %v", data, err)
				}
				for _, k := range tt.wantJSON {
					if _, ok := obj[k]; !ok {
						t.Errorf("GeneralInfo lacks %s: %s", k, data)
					}
				}
			}
		})
	}
	if _, ok := h.Project("made"); !ok {
		t.Error("project made not created")
	}
}
