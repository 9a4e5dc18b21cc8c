package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Harbor's API (v2.0), as goharbor/harbor's api/v2.0/swagger.yaml defines
// it: the three endpoints used here.
const (
	harborSystemInfo  = "/api/v2.0/systeminfo" // GET: GeneralInfo; anonymous callers get its public fields
	harborProjectsAPI = "/api/v2.0/projects"   // HEAD ?project_name=: 200 or 404; POST ProjectReq: 201, 409 when it exists
)

// maxInfoBody bounds the systeminfo answer read.
const maxInfoBody = 64 << 10

// isHarbor reports whether host is a Harbor: it answers GET
// /api/v2.0/systeminfo, anonymous, with a GeneralInfo (a JSON object with
// its auth_mode). Asked once per host per Client; a host that cannot be
// reached, or answers 429 or 5xx after retries, is an error and asked
// again next time.
func (c *Client) isHarbor(ctx context.Context, host string) (bool, error) {
	is, _, err := c.harbors.do(ctx, host, func() (bool, error) {
		resp, err := c.api(ctx, host, apiRequest{method: http.MethodGet, path: harborSystemInfo, anonymous: true})
		if err != nil {
			return false, fmt.Errorf("asking %s whether it is a Harbor: %w", host, err)
		}
		defer resp.Body.Close()
		if retryableStatus(resp.StatusCode) {
			return false, fmt.Errorf("asking %s whether it is a Harbor: %w", host, errorResponse(resp))
		}
		var info struct {
			AuthMode      *string `json:"auth_mode"`
			HarborVersion string  `json:"harbor_version"`
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxInfoBody))
		is := resp.StatusCode == http.StatusOK && json.Unmarshal(data, &info) == nil && info.AuthMode != nil && *info.AuthMode != ""
		c.log.DebugContext(ctx, "Harbor detection", "registry", host, "status", resp.StatusCode, "harbor", is)
		return is, nil
	})
	return is, err
}

// harborProjects prepares the projects of one Harbor.
type harborProjects struct {
	c    *Client
	host string
}

// namespace is the project: a Harbor repository is PROJECT/NAME.
func (h *harborProjects) namespace(repository string) (string, error) {
	project, _, ok := strings.Cut(repository, "/")
	if !ok {
		return "", &PrepareError{
			Registry: h.host,
			What:     "a Harbor project for repository " + repository + " on " + h.host,
			Err:      errors.New("a Harbor repository is PROJECT/NAME: map the images under a project (a path prefix)"),
		}
	}
	return project, nil
}

func (h *harborProjects) describe(project string) string {
	return fmt.Sprintf("Harbor project %s on %s", project, h.host)
}

// exists asks HEAD /api/v2.0/projects?project_name=PROJECT.
func (h *harborProjects) exists(ctx context.Context, project string) (bool, error) {
	resp, err := h.c.api(ctx, h.host, apiRequest{method: http.MethodHead, path: harborProjectsAPI,
		query: url.Values{"project_name": {project}}})
	if err != nil {
		return false, err
	}
	defer drain(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, errorResponse(resp)
}

// harborProjectReq is the swagger's ProjectReq, the fields airlift sets.
type harborProjectReq struct {
	ProjectName  string            `json:"project_name"`
	Metadata     map[string]string `json:"metadata"`
	StorageLimit *int64            `json:"storage_limit,omitempty"`
}

// create sends POST /api/v2.0/projects: 201 created, 409 there already.
func (h *harborProjects) create(ctx context.Context, project string) (bool, error) {
	o := h.c.opts.Harbor
	req := harborProjectReq{ProjectName: project, Metadata: map[string]string{"public": strconv.FormatBool(o.Public)}}
	if o.AutoScan {
		req.Metadata["auto_scan"] = "true"
	}
	if o.StorageLimit != 0 {
		req.StorageLimit = &o.StorageLimit
	}
	resp, err := h.c.api(ctx, h.host, apiRequest{method: http.MethodPost, path: harborProjectsAPI, body: req})
	if err != nil {
		return false, fmt.Errorf("create %s: %w", h.describe(project), err)
	}
	defer drain(resp.Body)
	switch resp.StatusCode {
	case http.StatusCreated:
		h.c.log.InfoContext(ctx, "created Harbor project", "registry", h.host, "project", project,
			"public", o.Public, "location", resp.Header.Get("Location"))
		return true, nil
	case http.StatusConflict:
		return false, nil
	case http.StatusForbidden:
		e := &PrepareError{Registry: h.host, What: h.describe(project), Err: harborMessage(resp),
			Permission: "the Project: Create permission of a system-level robot account (project robot accounts cannot create projects)"}
		if strings.Contains(e.Err.Error(), "system admin") {
			e.Permission = "the system administrator role (this Harbor lets only administrators create projects)"
		}
		if cred, err := h.c.credential(ctx, h.host); err == nil {
			e.Account = cred.Username
		}
		return false, e
	}
	return false, &PrepareError{Registry: h.host, What: h.describe(project), Err: harborMessage(resp)}
}

// harborMessage is a Harbor API error response as "status: code: message"
// from its Errors body, without the URL.
func harborMessage(resp *http.Response) error {
	e := errorResponse(resp)
	if len(e.Errors) == 0 {
		return fmt.Errorf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	return fmt.Errorf("%d %w", e.StatusCode, e.Errors)
}
