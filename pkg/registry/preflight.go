package registry

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	orasregistry "oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// Target is a repository of a registry that a copy will push to.
type Target struct {
	Registry, Repository string
}

// preflightJobs bounds the concurrent checks of one registry.
const preflightJobs = 8

// Preflight checks, before anything is read or copied, that every target
// can be pushed to, and prepares what the pushes need:
//
//   - the namespaces the targets live in exist, or are created now, as
//     [Client.Prepare] does (ECR repositories, Harbor projects; detecting
//     Harbor as [HarborOptions] says);
//   - the credentials are accepted and a push is allowed: in each
//     namespace (a repository's first path element) an upload is started
//     and cancelled (POST and DELETE /v2/REPOSITORY/blobs/uploads/). When
//     the upload is refused, GET /v2/ tells whether the credentials or the
//     push were refused.
//
// Every problem is returned at once, in a [*PreflightError]: one per
// registry that cannot be reached or refuses the credentials (an
// [*AuthError] or [*HostError]), else one per namespace that cannot be
// created ([*PrepareError]) or refuses the push ([*PushError]). nil means
// everything can be pushed.
//
// Cost, per target registry: one GET /api/v2.0/systeminfo when Harbor is
// detected automatically (not for ECR, nor with HarborOn or HarborOff),
// and per first path element of the targets (one for a copy to
// HOST/PREFIX) two requests for the upload probe; on Harbor one HEAD
// /api/v2.0/projects per project, plus a POST when it is created; on ECR
// one DescribeRepositories per 1000 repositories of the registry, plus a
// CreateRepository per repository created. Nothing is cached across runs.
func (c *Client) Preflight(ctx context.Context, targets []Target) error {
	byRegistry := map[string][]string{}
	for _, t := range targets {
		if !slices.Contains(byRegistry[t.Registry], t.Repository) {
			byRegistry[t.Registry] = append(byRegistry[t.Registry], t.Repository)
		}
	}
	var (
		mu       sync.Mutex
		problems []error
		wg       sync.WaitGroup
	)
	for reg, repos := range byRegistry {
		slices.Sort(repos)
		wg.Go(func() {
			found := c.preflightRegistry(ctx, reg, repos)
			mu.Lock()
			problems = append(problems, found...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(problems) == 0 {
		return nil
	}
	slices.SortStableFunc(problems, func(a, b error) int { return cmp.Compare(a.Error(), b.Error()) })
	return &PreflightError{Problems: problems}
}

// preflightRegistry checks the repositories (sorted) of one registry.
func (c *Client) preflightRegistry(ctx context.Context, registry string, repos []string) []error {
	var (
		mu       sync.Mutex
		problems []error
		hostWide error // the registry's one authentication or reachability problem
	)
	report := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if registryWide(err) {
			if hostWide == nil {
				hostWide = err
			}
			return
		}
		problems = append(problems, err)
	}
	result := func() []error {
		if hostWide != nil {
			problems = append(problems, hostWide)
		}
		return problems
	}

	// Namespaces, once each, before the probes that need them.
	p, err := c.preparerFor(ctx, registry)
	if err != nil {
		report(err)
		return result()
	}
	ready := map[string]bool{} // repository -> its namespace exists
	if p != nil {
		first := map[string]string{} // namespace -> a repository in it
		var order []string
		for _, repo := range repos {
			ns, err := p.namespace(repo)
			if err != nil {
				report(err)
				continue
			}
			if _, ok := first[ns]; !ok {
				first[ns] = repo
				order = append(order, ns)
			}
		}
		failed := map[string]bool{}
		each(order, func(ns string) {
			if _, err := c.Prepare(ctx, registry, first[ns]); err != nil {
				report(err)
				mu.Lock()
				failed[ns] = true
				mu.Unlock()
			}
		})
		for _, repo := range repos {
			ns, err := p.namespace(repo)
			ready[repo] = err == nil && !failed[ns]
		}
	} else {
		for _, repo := range repos {
			ready[repo] = true
		}
	}
	if hostWide != nil || ctx.Err() != nil {
		return result()
	}

	// One upload probe per first path element, into a repository whose
	// namespace is ready.
	var probes []string
	seen := map[string]bool{}
	for _, repo := range repos {
		top, _, _ := strings.Cut(repo, "/")
		if ready[repo] && !seen[top] {
			seen[top] = true
			probes = append(probes, repo)
		}
	}
	authCheck := sync.OnceValue(func() error { return c.checkAuth(ctx, registry) })
	each(probes, func(repo string) {
		err := c.probePush(ctx, registry, repo)
		var authErr *AuthError
		switch {
		case err == nil:
		case errors.As(err, &authErr):
			if aerr := authCheck(); aerr != nil {
				report(aerr)
				return
			}
			report(&PushError{Registry: registry, Repository: repo, Err: authErr.Err})
		case registryWide(err) || ctx.Err() != nil:
			report(err)
		default:
			report(&PushError{Registry: registry, Repository: repo, Err: err})
		}
	})
	return result()
}

// each runs fn for every item, preflightJobs at a time.
func each(items []string, fn func(string)) {
	sem := make(chan struct{}, preflightJobs)
	var wg sync.WaitGroup
	for _, it := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(it)
		})
	}
	wg.Wait()
}

// probePush starts an upload into registry/repository and cancels it:
// the push permission, asked the way a push asks. The cancel is best
// effort (it needs the delete permission, which a push does not; an
// upload left behind is purged by the registry).
func (c *Client) probePush(ctx context.Context, registry, repository string) error {
	host := registryHost(registry)
	ref := orasregistry.Reference{Registry: host, Repository: repository}
	u := &url.URL{Scheme: c.scheme(host), Host: host, Path: "/v2/" + repository + "/blobs/uploads/"}
	req, err := http.NewRequestWithContext(auth.AppendRepositoryScope(ctx, ref, auth.ActionPull, auth.ActionPush),
		http.MethodPost, u.String(), http.NoBody)
	if err != nil {
		return err
	}
	d := &doer{c: c}
	resp, err := d.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusAccepted {
		return errorResponse(resp)
	}
	loc := resp.Header.Get("Location")
	drain(resp.Body)
	if loc == "" {
		return nil
	}
	upload, err := u.Parse(loc)
	if err != nil {
		return nil
	}
	req, err = http.NewRequestWithContext(auth.AppendRepositoryScope(ctx, ref, auth.ActionDelete),
		http.MethodDelete, upload.String(), http.NoBody)
	if err != nil {
		return nil
	}
	resp, err = d.Do(req)
	if err != nil {
		c.log.DebugContext(ctx, "cancelling the probe upload failed", "registry", host, "repository", repository, "error", err.Error())
		return nil
	}
	c.log.DebugContext(ctx, "probe upload cancelled", "registry", host, "repository", repository, "status", resp.StatusCode)
	drain(resp.Body)
	return nil
}

// checkAuth asks GET /v2/ whether the registry accepts the credentials:
// an *AuthError or *HostError when not, nil otherwise.
func (c *Client) checkAuth(ctx context.Context, registry string) error {
	host := registryHost(registry)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.scheme(host)+"://"+host+"/v2/", http.NoBody)
	if err != nil {
		return err
	}
	resp, err := (&doer{c: c}).Do(req)
	if err != nil {
		if registryWide(err) {
			return err
		}
		return nil
	}
	drain(resp.Body)
	return nil
}
