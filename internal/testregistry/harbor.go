package testregistry

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Harbor is a stand-in for Harbor in front of a real registry. It serves
// the Harbor API v2.0 endpoints airlift uses as goharbor/harbor's
// api/v2.0/swagger.yaml defines them (paths, parameters, status codes,
// headers and the Errors body), and refuses registry requests as Harbor's
// core does: every /v2/ request needs an account, a repository's first
// path element is its project, and a request into a project that does not
// exist, or that the account may not push to, is answered 401.
//
// The endpoints:
//
//	GET  /api/v2.0/systeminfo                  200 GeneralInfo (anonymous: auth_mode and the other public fields)
//	HEAD /api/v2.0/projects?project_name=NAME  200, 404; 401 without an account (Harbor's handler requires one)
//	POST /api/v2.0/projects                    201 + Location, 400, 401, 409, 415, 422; 403 as Harbor's handler
//	                                           answers a project-level robot or a user who may not create projects
//
// Accounts authenticate with basic auth on the API and on /v2/ alike
// (Harbor accepts it on both; its bearer token service is not imitated:
// the /v2/ challenge is Basic). Everything else under /api/ is 404.
type Harbor struct {
	mu       sync.Mutex
	accounts map[string]HarborAccount
	projects map[string]*HarborProject
	nextID   int
	calls    []HarborCall
	reqID    atomic.Int64
	// CreateDelay widens the window between the existence check and the
	// insert of a project creation, for tests of concurrent creators.
	CreateDelay time.Duration
}

// HarborAccount is a user or robot account of the stand-in.
type HarborAccount struct {
	Name, Password string
	// Admin is a system administrator: creates projects, pulls, pushes
	// and deletes everywhere.
	Admin bool
	// Robot marks a robot account ("robot$name"); SystemRobot a
	// system-level one. Harbor lets only system-level robots create
	// projects, and only with the Project: Create permission
	// (CreateProjects).
	Robot, SystemRobot bool
	// CreateProjects: may create projects (a user, when creation is not
	// restricted to administrators; a system robot with Project: Create).
	CreateProjects bool
	// Push lists the projects the account may pull from and push to;
	// "*" is every project.
	Push []string
	// Delete: may also delete in those projects (cancel an upload).
	Delete bool
}

// HarborProject is a project of the stand-in, as created.
type HarborProject struct {
	ID           int
	Name         string
	Metadata     map[string]string
	StorageLimit *int64
}

// HarborCall is one API request the stand-in answered.
type HarborCall struct {
	Method, Path, Query string
	Account             string // "" anonymous
	Status              int
}

// NewHarbor returns a stand-in with these accounts and no project.
func NewHarbor(accounts ...HarborAccount) *Harbor {
	h := &Harbor{accounts: map[string]HarborAccount{}, projects: map[string]*HarborProject{}}
	for _, a := range accounts {
		h.accounts[a.Name] = a
	}
	return h
}

// AddProject creates a project directly (as an administrator would have).
func (h *Harbor) AddProject(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextID++
	h.projects[name] = &HarborProject{ID: h.nextID, Name: name, Metadata: map[string]string{"public": "false"}}
}

// Project returns the project called name.
func (h *Harbor) Project(name string) (HarborProject, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.projects[name]
	if !ok {
		return HarborProject{}, false
	}
	return *p, true
}

// Calls returns the API requests answered so far.
func (h *Harbor) Calls() []HarborCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.calls)
}

// Count returns how many API requests with this method and path were
// answered with status (0: any status).
func (h *Harbor) Count(method, path string, status int) int {
	n := 0
	for _, c := range h.Calls() {
		if c.Method == method && c.Path == path && (status == 0 || c.Status == status) {
			n++
		}
	}
	return n
}

// StartHarbor starts an in-process registry behind the stand-in h.
func StartHarbor(t testing.TB, h *Harbor, opts ...Option) *Registry {
	t.Helper()
	return Start(t, append(opts, WithHandler(h.Wrap))...)
}

// Front starts the stand-in h as a server in front of reg (a registry
// process), stopped when the test ends.
func (h *Harbor) Front(t testing.TB, reg *Registry) *Registry {
	t.Helper()
	target, err := url.Parse(reg.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(h.Wrap(rp))
	t.Cleanup(srv.Close)
	return &Registry{Host: strings.TrimPrefix(srv.URL, "http://"), URL: srv.URL}
}

// Wrap puts the stand-in in front of a registry's handler (for
// WithHandler).
func (h *Harbor) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/"):
			h.api(w, r)
		case r.URL.Path == "/v2" || strings.HasPrefix(r.URL.Path, "/v2/"):
			h.registry(w, r, next)
		default:
			http.NotFound(w, r)
		}
	})
}

// account returns the account the request authenticates as: ok false
// when it sends no credentials, bad true when they are wrong.
func (h *Harbor) account(r *http.Request) (a HarborAccount, ok, bad bool) {
	user, pass, sent := r.BasicAuth()
	if !sent {
		return a, false, false
	}
	h.mu.Lock()
	a, known := h.accounts[user]
	h.mu.Unlock()
	if !known || a.Password != pass {
		return HarborAccount{}, false, true
	}
	return a, true, false
}

// api serves /api/v2.0/.
func (h *Harbor) api(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-Id")
	if id == "" {
		id = strconv.FormatInt(h.reqID.Add(1), 10)
	}
	w.Header().Set("X-Request-Id", id)
	a, authed, _ := h.account(r) // wrong credentials: anonymous, as Harbor's security context
	rec := &statusRecorder{ResponseWriter: w}
	switch {
	case r.URL.Path == "/api/v2.0/systeminfo" && r.Method == http.MethodGet:
		h.systemInfo(rec, authed)
	case r.URL.Path == "/api/v2.0/projects" && r.Method == http.MethodHead:
		h.headProject(rec, r, authed)
	case r.URL.Path == "/api/v2.0/projects" && r.Method == http.MethodPost:
		h.createProject(rec, r, a, authed)
	case r.URL.Path == "/api/v2.0/projects":
		harborError(rec, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method "+r.Method+" is not allowed")
	default:
		harborError(rec, http.StatusNotFound, "NOT_FOUND", "not found")
	}
	h.mu.Lock()
	h.calls = append(h.calls, HarborCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Account: a.Name, Status: rec.status})
	h.mu.Unlock()
}

// systemInfo answers getSystemInfo: to anonymous callers only the public
// fields of GeneralInfo, as Harbor does.
func (h *Harbor) systemInfo(w http.ResponseWriter, authed bool) {
	info := map[string]any{
		"auth_mode":          "db_auth",
		"primary_auth_mode":  false,
		"self_registration":  false,
		"banner_message":     "",
		"oidc_provider_name": "",
	}
	if authed {
		info["harbor_version"] = "v2.14.0-standin"
		info["project_creation_restriction"] = "everyone"
		info["read_only"] = false
		info["has_ca_root"] = false
	}
	writeJSON(w, http.StatusOK, info)
}

// headProject answers headProject: 200 when project_name exists, 404 when
// not; Harbor's handler requires an authenticated caller.
func (h *Harbor) headProject(w http.ResponseWriter, r *http.Request, authed bool) {
	name := r.URL.Query().Get("project_name")
	switch {
	case !authed:
		harborError(w, http.StatusUnauthorized, "UNAUTHORIZED", "UnAuthorized")
	case name == "":
		harborError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "project_name in query is required")
	default:
		h.mu.Lock()
		_, ok := h.projects[name]
		h.mu.Unlock()
		if !ok {
			harborError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("project %s not found", name))
			return
		}
		w.WriteHeader(http.StatusOK)
	}
}

// projectReq is the swagger's ProjectReq, the fields the stand-in reads.
type projectReq struct {
	ProjectName  string            `json:"project_name"`
	Public       *bool             `json:"public"`
	Metadata     map[string]string `json:"metadata"`
	StorageLimit *int64            `json:"storage_limit"`
	RegistryID   *int64            `json:"registry_id"`
}

// createProject answers createProject as Harbor's handler does.
func (h *Harbor) createProject(w http.ResponseWriter, r *http.Request, a HarborAccount, authed bool) {
	if !authed {
		harborError(w, http.StatusUnauthorized, "UNAUTHORIZED", "UnAuthorized")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		harborError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "unsupported media type "+strconv.Quote(mt))
		return
	}
	switch {
	case a.Robot && !a.SystemRobot:
		harborError(w, http.StatusForbidden, "FORBIDDEN", "Only system level robot can create project")
		return
	case !a.Admin && !a.CreateProjects:
		harborError(w, http.StatusForbidden, "FORBIDDEN", "Only system admin can create project")
		return
	}
	var req projectReq
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		harborError(w, http.StatusBadRequest, "BAD_REQUEST", "parsing project body from \"\" failed, because "+err.Error())
		return
	}
	if n := len(req.ProjectName); n == 0 || n > 255 {
		harborError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "project.project_name in body should be at most 255 chars long")
		return
	}
	if req.RegistryID != nil && !a.Admin {
		harborError(w, http.StatusForbidden, "FORBIDDEN", "Only system admin can create proxy cache project")
		return
	}
	md := map[string]string{}
	for k, v := range req.Metadata {
		md[k] = v
	}
	if req.Public != nil && md["public"] == "" {
		md["public"] = strconv.FormatBool(*req.Public)
	}
	if md["public"] == "" {
		md["public"] = "false"
	}
	if p := md["public"]; p != "true" && p != "false" {
		harborError(w, http.StatusBadRequest, "BAD_REQUEST", fmt.Sprintf("metadata.public should only be 'true' or 'false', but got: '%s'", p))
		return
	}
	limit := req.StorageLimit
	if limit == nil || *limit == 0 || !a.Admin {
		def := int64(-1) // Harbor's default quota per project: unlimited
		limit = &def
	}
	time.Sleep(h.CreateDelay)
	h.mu.Lock()
	if _, exists := h.projects[req.ProjectName]; exists {
		h.mu.Unlock()
		harborError(w, http.StatusConflict, "CONFLICT", fmt.Sprintf("The project named %s already exists", req.ProjectName))
		return
	}
	h.nextID++
	p := &HarborProject{ID: h.nextID, Name: req.ProjectName, Metadata: md, StorageLimit: limit}
	h.projects[p.Name] = p
	h.mu.Unlock()
	loc := "/api/v2.0/projects/" + strconv.Itoa(p.ID)
	if v, _ := strconv.ParseBool(r.Header.Get("X-Resource-Name-In-Location")); v {
		loc = "/api/v2.0/projects/" + p.Name
	}
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusCreated)
}

// registry serves /v2/ as Harbor's core does before its registry: an
// account is required, and a repository request needs its project to exist
// and the account to hold the action (GET, HEAD: pull; POST, PUT, PATCH:
// push, and pull on the repository a blob is mounted from; DELETE:
// delete).
func (h *Harbor) registry(w http.ResponseWriter, r *http.Request, next http.Handler) {
	a, ok, _ := h.account(r)
	if !ok {
		refuse(w, `Basic realm="harbor"`, "unauthorized")
		return
	}
	name := repositoryOf(r.URL.Path)
	if name == "" {
		next.ServeHTTP(w, r)
		return
	}
	action := map[string]string{
		http.MethodGet: "pull", http.MethodHead: "pull",
		http.MethodPost: "push", http.MethodPut: "push", http.MethodPatch: "push",
		http.MethodDelete: "delete",
	}[r.Method]
	check := func(repo, action string) bool {
		project, _, _ := strings.Cut(repo, "/")
		h.mu.Lock()
		_, exists := h.projects[project]
		h.mu.Unlock()
		if !exists {
			refuse(w, "", fmt.Sprintf("project %s not found", project))
			return false
		}
		if !a.may(project, action) {
			refuse(w, `Basic realm="harbor"`, fmt.Sprintf("unauthorized to access repository: %s, action: %s", repo, action))
			return false
		}
		return true
	}
	if !check(name, action) {
		return
	}
	if from := r.URL.Query().Get("from"); r.Method == http.MethodPost && from != "" && !check(from, "pull") {
		return
	}
	next.ServeHTTP(w, r)
}

// may reports whether the account may do action in project.
func (a HarborAccount) may(project, action string) bool {
	if a.Admin {
		return true
	}
	if !slices.Contains(a.Push, "*") && !slices.Contains(a.Push, project) {
		return false
	}
	return action != "delete" || a.Delete
}

// repositoryOf returns the repository name of a /v2/ path ("" for /v2/
// itself and the catalog).
func repositoryOf(path string) string {
	rest := strings.TrimPrefix(path, "/v2/")
	end := -1
	for _, marker := range []string{"/blobs/", "/manifests/", "/tags/", "/referrers/"} {
		end = max(end, strings.LastIndex(rest, marker))
	}
	if end <= 0 {
		return ""
	}
	return rest[:end]
}

// refuse answers 401 as Harbor's v2 auth middleware does.
func refuse(w http.ResponseWriter, challenge, msg string) {
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	w.Header().Set("Www-Authenticate", challenge)
	harborError(w, http.StatusUnauthorized, "UNAUTHORIZED", msg)
}

// harborError writes the swagger's Errors body.
func harborError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// statusRecorder records the status of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
