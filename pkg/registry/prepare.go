package registry

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// preparer makes, on one registry, what pushes into a repository need
// there and the registry does not make on push: the namespace holding the
// repository. Each kind of registry that needs it has one; registries that
// create everything on push (the CNCF distribution registry, Docker Hub,
// GHCR, Quay's repositories inside an existing organisation) have none.
//
//	kind                     recognised by                 namespace of a repository      exists                                create
//	Amazon ECR (built)       ACCOUNT.dkr.ecr.REGION host   the repository itself          DescribeRepositories                  CreateRepository
//	Harbor (built)           GET /api/v2.0/systeminfo      project: first path element    HEAD /api/v2.0/projects?project_name  POST /api/v2.0/projects
//	GitLab                   its /jwt/auth token realm     project: the longest leading   GET /api/v4/projects/:path            POST /api/v4/projects (namespace_id
//	                                                       path that is a project (image  (groups: /api/v4/groups/:path)        of the group; groups: POST /api/v4/groups)
//	                                                       names add up to 3 elements)
//	Quay                     GET /api/v1/discovery         organisation: first element    GET /api/v1/organization/{org}        POST /api/v1/organization/ (a user's
//	                                                                                                                            namespace cannot be created)
//	Artifactory              X-Artifactory-Id header,      repository key: first element  GET /artifactory/api/repositories/    PUT /artifactory/api/repositories/{key}
//	                         /artifactory/api/system/ping  (port or subdomain methods:    {key}                                 (rclass local, packageType docker)
//	                                                       the host)
//	Google Artifact Registry LOCATION-docker.pkg.dev host  repository: PROJECT/REPO,      projects.locations.repositories.get   ...repositories.create (format DOCKER)
//	                                                       the first two elements
//
// Only ECR and Harbor are built; the others would be one type each
// implementing this interface, chosen in [Client.preparerFor].
type preparer interface {
	// namespace returns the namespace that repository lives in; an
	// error when the repository cannot live on this kind of registry.
	namespace(repository string) (string, error)
	// describe names a namespace for plans and messages ("Harbor project
	// mirror on harbor.internal").
	describe(ns string) string
	// exists asks, read-only, whether ns exists.
	exists(ctx context.Context, ns string) (bool, error)
	// create makes ns; one that exists already (made meanwhile by someone
	// else) is success with created false. A refusal for lack of
	// permission is a *PrepareError naming the permission.
	create(ctx context.Context, ns string) (created bool, err error)
}

// preparerFor returns how registry is prepared, nil when it needs nothing:
// ECR by its host name, Harbor as [HarborOptions.Detect] says.
func (c *Client) preparerFor(ctx context.Context, registry string) (preparer, error) {
	if h, ok := parseECR(registry); ok {
		return &ecrRepos{a: c.ecr, h: h}, nil
	}
	host := registryHost(registry)
	switch c.opts.Harbor.Detect {
	case HarborOff:
		return nil, nil
	case HarborAuto:
		if is, err := c.isHarbor(ctx, host); err != nil || !is {
			return nil, err
		}
	}
	return &harborProjects{c: c, host: host}, nil
}

// preparation is what a Client remembers of preparation: namespaces made
// ready (one call per namespace, shared by concurrent callers), dry-run
// plans, and what was created.
type preparation struct {
	ready   shared[struct{}]
	plans   shared[bool] // namespace exists
	mu      sync.Mutex
	created []string
}

// Prepare makes sure registry/repository can be pushed to, creating what
// the registry does not create on push:
//
//   - on Amazon ECR (see [ParseECRHost]) the repository, with the
//     Client's [ECROptions];
//   - on Harbor (see [HarborOptions]) the repository's project (its first
//     path element), with the Client's HarborOptions, through Harbor's API
//     with the credentials registry requests use.
//
// It asks first, read-only, whether the namespace exists (ECR: the
// registry's repositories, listed once per Client; Harbor: HEAD
// /api/v2.0/projects), and creates it only when it does not. One that
// exists, or that someone else creates meanwhile, is success. Elsewhere
// Prepare does nothing.
//
// It reports whether this call created the namespace. Calls for the same
// namespace are shared: one creation per namespace per Client; callers
// arriving while it runs wait for it and share its error, and a failure
// is not remembered, so a later call tries again. A namespace that does
// not exist and may not be created is a [*PrepareError] saying which
// permission is missing.
func (c *Client) Prepare(ctx context.Context, registry, repository string) (created bool, err error) {
	p, err := c.preparerFor(ctx, registry)
	if err != nil || p == nil {
		return false, err
	}
	ns, err := p.namespace(repository)
	if err != nil {
		return false, err
	}
	_, ran, err := c.prep.ready.do(ctx, prepKey(registry, ns), func() (struct{}, error) {
		ok, err := p.exists(ctx, ns)
		switch {
		case err == nil && ok:
			return struct{}{}, nil
		case registryWide(err):
			return struct{}{}, err // creating would be refused the same way
		}
		// Not there, or not known: create (an existing one is success).
		made, err := p.create(ctx, ns)
		if made {
			created = true
			c.prep.mu.Lock()
			c.prep.created = append(c.prep.created, p.describe(ns))
			c.prep.mu.Unlock()
		}
		return struct{}{}, err
	})
	return ran && created, err
}

// Created lists what [Client.Prepare] has created, in order ("Harbor
// project mirror on harbor.internal", "ECR repository team/app in
// eu-west-1").
func (c *Client) Created() []string {
	c.prep.mu.Lock()
	defer c.prep.mu.Unlock()
	return slices.Clone(c.prep.created)
}

// PlanPrepare says what [Client.Prepare] would do, for dry runs, without
// changing anything: "create Harbor project mirror on harbor.internal",
// "create ECR repository team/app in eu-west-1", or "" when nothing would
// be done (nothing to prepare on this registry, prepared by this Client
// already, or it exists). Whether it exists is asked read-only, once per
// namespace per Client: ECR lists the registry's repositories once (one
// call per 1000 repositories) or, where listing them all is not allowed,
// names this one; Harbor answers HEAD /api/v2.0/projects. When the
// registry cannot be asked, the plan says "create" and the error says why
// it could not be checked.
func (c *Client) PlanPrepare(ctx context.Context, registry, repository string) (string, error) {
	p, err := c.preparerFor(ctx, registry)
	if err != nil || p == nil {
		return "", err
	}
	ns, err := p.namespace(repository)
	if err != nil {
		return "", err
	}
	key := prepKey(registry, ns)
	if _, ok := c.prep.ready.get(key); ok {
		return "", nil
	}
	plan := "create " + p.describe(ns)
	exists, _, err := c.prep.plans.do(ctx, key, func() (bool, error) { return p.exists(ctx, ns) })
	if err != nil {
		return plan, fmt.Errorf("checking %s: %w", p.describe(ns), err)
	}
	if exists {
		return "", nil
	}
	return plan, nil
}

// prepKey names a namespace of a registry in the preparation maps.
func prepKey(registry, ns string) string { return registryHost(registry) + " " + ns }
