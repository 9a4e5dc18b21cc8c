package registry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/airlift-cli/airlift/pkg/registry"
)

// A Client is made once per run and shared; Repository contacts nothing
// until the repository is used.
func ExampleClient_Repository() {
	c, err := registry.New(registry.Options{
		PlainHTTP:   []string{"registry.lan:5000"},
		MaxAttempts: 3,
		IdleTimeout: 2 * time.Minute,
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for _, target := range []struct{ registry, repository string }{
		{"127.0.0.1:5000", "team/app"},    // loopback: plain HTTP
		{"registry.lan:5000", "team/app"}, // listed in PlainHTTP
		{"quay.io", "team/app"},           // HTTPS
		{"docker.io", "library/alpine"},   // reached at registry-1.docker.io
	} {
		repo, err := c.Repository(ctx, target.registry, target.repository)
		if err != nil {
			panic(err)
		}
		fmt.Println(repo.Reference, "plain HTTP:", repo.PlainHTTP)
	}
	// Output:
	// 127.0.0.1:5000/team/app plain HTTP: true
	// registry.lan:5000/team/app plain HTTP: true
	// quay.io/team/app plain HTTP: false
	// registry-1.docker.io/library/alpine plain HTTP: false
}

// PlanPrepare tells a dry run what Prepare would do. On ECR it asks, read
// only, whether the repository exists ("create ECR repository team/app in
// eu-west-1" when it does not); on Harbor whether the project exists
// ("create Harbor project team on harbor.internal"); other registries
// need nothing. Whether a registry is a Harbor is asked of it unless
// HarborOptions.Detect says.
func ExampleClient_PlanPrepare() {
	c, err := registry.New(registry.Options{
		ECR:    registry.ECROptions{ScanOnPush: true},
		Harbor: registry.HarborOptions{Detect: registry.HarborOff},
	})
	if err != nil {
		panic(err)
	}
	plan, err := c.PlanPrepare(context.Background(), "quay.io", "team/app")
	fmt.Printf("%q %v\n", plan, err)
	// Output:
	// "" <nil>
}

// The copy engine retries a whole blob copy (fetch from the source, push
// to the target), which the transport cannot replay, with Client.Retry.
func ExampleClient_Retry() {
	c, err := registry.New(registry.Options{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	failures := 0
	copyBlob := func(context.Context) error {
		if failures < 2 {
			failures++
			return fmt.Errorf("copy blob: %w", io.ErrUnexpectedEOF) // the source stream broke
		}
		return nil
	}
	for attempt := 1; ; attempt++ {
		err := copyBlob(ctx)
		if err == nil {
			fmt.Println("copied after", attempt, "attempts")
			return
		}
		wait, retry := c.Retry(attempt, err)
		if !retry {
			fmt.Println("giving up:", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
	// Output: copied after 3 attempts
}

// Preflight checks every target before a copy reads anything, and returns
// every problem at once: here one registry that cannot be reached, named
// once for its two repositories.
func ExampleClient_Preflight() {
	c, err := registry.New(registry.Options{MaxAttempts: 1})
	if err != nil {
		panic(err)
	}
	err = c.Preflight(context.Background(), []registry.Target{
		{Registry: "127.0.0.1:1", Repository: "mirror/team/api"},
		{Registry: "127.0.0.1:1", Repository: "mirror/team/worker"},
	})
	var pf *registry.PreflightError
	if errors.As(err, &pf) {
		for _, p := range pf.Problems {
			var host *registry.HostError
			fmt.Println("unreachable:", errors.As(p, &host), host.Registry)
		}
	}
	// Output:
	// unreachable: true 127.0.0.1:1
}
