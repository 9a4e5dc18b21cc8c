package registry

import (
	"context"
	"fmt"
)

// Prepare makes sure registry/repository can be pushed to. On Amazon ECR
// (see [ParseECRHost]) it creates the repository with CreateRepository and
// the Client's [ECROptions]; a repository that already exists is success,
// also when concurrent callers race. Where the caller may push but not
// create (AccessDeniedException), an existing repository is success too.
// Elsewhere Prepare does nothing.
//
// It reports whether this call created the repository. Calls for the same
// repository are deduplicated: one API call per repository per Client;
// callers arriving while it runs wait for it and share its error, and a
// failed call is not remembered, so a later call tries again.
func (c *Client) Prepare(ctx context.Context, registry, repository string) (created bool, err error) {
	h, ok := parseECR(registry)
	if !ok {
		return false, nil
	}
	a := c.ecr
	key := h.host + "/" + repository
	a.mu.Lock()
	if call := a.prepared[key]; call != nil {
		a.mu.Unlock()
		select {
		case <-call.done:
			return false, call.err
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	call := &prepareCall{done: make(chan struct{})}
	a.prepared[key] = call
	a.mu.Unlock()

	created, err = a.createRepository(ctx, h, repository)
	if err != nil {
		call.err = err
		a.mu.Lock()
		delete(a.prepared, key)
		a.mu.Unlock()
	}
	close(call.done)
	return created, err
}

// PlanPrepare says what [Client.Prepare] would do, for dry runs, without
// changing anything: "create ECR repository REPO in REGION", or "" when
// nothing would be done (not ECR, prepared by this Client already, or the
// repository exists). Whether an ECR repository exists is asked
// read-only: DescribeRepositories lists the registry's repositories once
// per Client (one call per 1000 repositories), or, where listing them all
// is not allowed, names this one. When ECR cannot be asked at all, the
// plan says "create" and the error says why it could not be checked.
func (c *Client) PlanPrepare(ctx context.Context, registry, repository string) (string, error) {
	h, ok := parseECR(registry)
	if !ok {
		return "", nil
	}
	a := c.ecr
	a.mu.Lock()
	call := a.prepared[h.host+"/"+repository]
	a.mu.Unlock()
	if call != nil {
		select {
		case <-call.done:
			if call.err == nil {
				return "", nil
			}
		default:
		}
	}
	plan := fmt.Sprintf("create ECR repository %s in %s", repository, h.region)
	exists, err := a.repositoryExists(ctx, h, repository)
	if err != nil {
		return plan, fmt.Errorf("checking ECR repository %s in %s: %w", repository, h.region, err)
	}
	if exists {
		return "", nil
	}
	return plan, nil
}
