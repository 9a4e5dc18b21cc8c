package registry

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
)

// dateRetryAfter answers 429 with a Retry-After HTTP-date d from now.
func dateRetryAfter(d time.Duration) faultAction {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		date := time.Now().Add(d).UTC().Format(http.TimeFormat)
		respond(http.StatusTooManyRequests, "Retry-After", date)(w, r, next)
	}
}

// TestTransportRetries runs registry operations through a proxy that
// injects failures in front of a real registry, and counts the attempts.
func TestTransportRetries(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	proxy := newFaultProxy(t, reg)
	img := newTestImage(t, 256<<10)
	img.push(t, context.Background(), testRepo(t, newTestClient(t, Options{}), reg.Host, "test/app"), "v1")

	resolveTag := func(t *testing.T, ctx context.Context, _ *Client, repo *remote.Repository) {
		desc, err := repo.Resolve(ctx, "v1")
		if err != nil {
			t.Fatalf("Resolve: %v", err)
		}
		if desc.Digest != img.manifest.Digest {
			t.Fatalf("Resolve = %s, want %s", desc.Digest, img.manifest.Digest)
		}
	}
	fetchLayer := func(t *testing.T, ctx context.Context, _ *Client, repo *remote.Repository) {
		rc, err := repo.Blobs().Fetch(ctx, img.layer)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		defer rc.Close()
		data, err := content.ReadAll(rc, img.layer)
		if err != nil {
			t.Fatalf("read blob: %v", err)
		}
		if !bytes.Equal(data, img.layerData) {
			t.Fatal("blob content differs")
		}
	}
	fetchManifest := func(t *testing.T, ctx context.Context, _ *Client, repo *remote.Repository) {
		desc, rc, err := repo.FetchReference(ctx, "v1")
		if err != nil {
			t.Fatalf("FetchReference: %v", err)
		}
		defer rc.Close()
		if _, err := content.ReadAll(rc, desc); err != nil {
			t.Fatalf("read manifest: %v", err)
		}
	}
	listTags := func(t *testing.T, ctx context.Context, _ *Client, repo *remote.Repository) {
		var tags []string
		err := repo.Tags(ctx, "", func(ts []string) error { tags = append(tags, ts...); return nil })
		if err != nil {
			t.Fatalf("Tags: %v", err)
		}
		if !slices.Contains(tags, "v1") {
			t.Fatalf("Tags = %v, want v1 among them", tags)
		}
	}
	pushManifest := func(tag string, plainReader bool) func(*testing.T, context.Context, *Client, *remote.Repository) {
		return func(t *testing.T, ctx context.Context, _ *Client, repo *remote.Repository) {
			var body io.Reader = bytes.NewReader(img.manifestData)
			if plainReader {
				body = struct{ io.Reader }{body}
			}
			if err := repo.PushReference(ctx, img.manifest, body, tag); err != nil {
				t.Fatalf("PushReference: %v", err)
			}
			if desc, err := repo.Resolve(ctx, tag); err != nil || desc.Digest != img.manifest.Digest {
				t.Fatalf("Resolve(%s) = %v, %v", tag, desc.Digest, err)
			}
		}
	}

	tests := []struct {
		name         string
		method, path string
		times        int
		action       faultAction
		opts         Options
		op           func(t *testing.T, ctx context.Context, c *Client, repo *remote.Repository)
		wantSeen     int
		minElapsed   time.Duration
		wantRanges   []string
	}{
		{name: "resolve manifest after 3x 503", method: http.MethodHead, path: `/manifests/v1$`, times: 3,
			action: respond(http.StatusServiceUnavailable), op: resolveTag, wantSeen: 4},
		{name: "fetch blob after 429 with Retry-After 1", method: http.MethodGet, path: `/blobs/sha256:`, times: 1,
			action: respond(http.StatusTooManyRequests, "Retry-After", "1"), op: fetchLayer, wantSeen: 2, minElapsed: time.Second},
		{name: "list tags after 429 with Retry-After HTTP-date", method: http.MethodGet, path: `/tags/list$`, times: 1,
			action: dateRetryAfter(2 * time.Second), op: listTags, wantSeen: 2, minElapsed: time.Second},
		{name: "fetch manifest after 2 connection resets", method: http.MethodGet, path: `/manifests/v1$`, times: 2,
			action: resetConn, op: fetchManifest, wantSeen: 3},
		{name: "fetch blob resumed after truncated body", method: http.MethodGet, path: `/blobs/sha256:`, times: 1,
			action: truncateBody, op: fetchLayer, wantSeen: 2, wantRanges: []string{"", "bytes=131072-"}},
		{name: "push manifest after 2x 502", method: http.MethodPut, path: `/manifests/v2$`, times: 2,
			action: respond(http.StatusBadGateway), op: pushManifest("v2", false), wantSeen: 3},
		{name: "push manifest from a plain reader after 500", method: http.MethodPut, path: `/manifests/v3$`, times: 1,
			action: respond(http.StatusInternalServerError), op: pushManifest("v3", true), wantSeen: 2},
		{name: "404 is not retried", method: http.MethodHead, path: `/manifests/missing$`,
			op: func(t *testing.T, ctx context.Context, _ *Client, repo *remote.Repository) {
				if _, err := repo.Resolve(ctx, "missing"); !errors.Is(err, errdef.ErrNotFound) {
					t.Fatalf("Resolve(missing) = %v, want ErrNotFound", err)
				}
			}, wantSeen: 1},
		{name: "401 is not retried", method: http.MethodGet, path: `/tags/list$`, times: 1,
			action: respond(http.StatusUnauthorized),
			op: func(t *testing.T, ctx context.Context, _ *Client, repo *remote.Repository) {
				err := repo.Tags(ctx, "", func([]string) error { return nil })
				var authErr *AuthError
				if !errors.As(err, &authErr) || IsRetryable(err) {
					t.Fatalf("Tags = %v, want a non-retryable *AuthError", err)
				}
			}, wantSeen: 1},
		{name: "blob PUT with a non-replayable body is not retried", method: http.MethodPut, path: `/blobs/uploads/`, times: 1,
			action: respond(http.StatusServiceUnavailable),
			op: func(t *testing.T, ctx context.Context, c *Client, repo *remote.Repository) {
				data := []byte("a blob streamed from elsewhere")
				desc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageLayer, data)
				err := repo.Push(ctx, desc, struct{ io.Reader }{bytes.NewReader(data)})
				if resp, ok := asErrorResponse(err); !ok || resp.StatusCode != http.StatusServiceUnavailable {
					t.Fatalf("Push = %v, want the registry's 503", err)
				}
				if !IsRetryable(err) {
					t.Fatalf("IsRetryable(%v) = false, want true: the engine retries the whole copy", err)
				}
				if wait, retry := c.Retry(1, err); !retry || wait <= 0 || wait > 20*time.Millisecond {
					t.Fatalf("Retry(1) = %s, %t; want a backoff in [1ms, 20ms]", wait, retry)
				}
			}, wantSeen: 1},
		{name: "attempts run out: the registry's 503 is returned", method: http.MethodHead, path: `/manifests/v1$`, times: 10,
			action: respond(http.StatusServiceUnavailable),
			op: func(t *testing.T, ctx context.Context, _ *Client, repo *remote.Repository) {
				_, err := repo.Resolve(ctx, "v1")
				if resp, ok := asErrorResponse(err); !ok || resp.StatusCode != http.StatusServiceUnavailable || !IsRetryable(err) {
					t.Fatalf("Resolve = %v, want a retryable 503 error response", err)
				}
			}, wantSeen: DefaultMaxAttempts},
		{name: "Retry-After of the last attempt is kept for the engine", method: http.MethodGet, path: `/tags/list$`, times: 1,
			action: respond(http.StatusTooManyRequests, "Retry-After", "7"), opts: Options{MaxAttempts: 1},
			op: func(t *testing.T, ctx context.Context, _ *Client, repo *remote.Repository) {
				err := repo.Tags(ctx, "", func([]string) error { return nil })
				var ra *RetryAfterError
				if !errors.As(err, &ra) || ra.After != 7*time.Second || !IsRetryable(err) {
					t.Fatalf("Tags = %v, want a retryable *RetryAfterError of 7s", err)
				}
				engine := newTestClient(t, Options{})
				if wait, retry := engine.Retry(1, err); !retry || wait != 7*time.Second {
					t.Fatalf("Retry(1) = %s, %t; want 7s, true", wait, retry)
				}
			}, wantSeen: 1},
		{name: "context canceled while waiting for Retry-After", method: http.MethodGet, path: `/tags/list$`, times: 1,
			action: respond(http.StatusServiceUnavailable, "Retry-After", "30"),
			op: func(t *testing.T, ctx context.Context, _ *Client, repo *remote.Repository) {
				ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
				defer cancel()
				start := time.Now()
				err := repo.Tags(ctx, "", func([]string) error { return nil })
				if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
					t.Fatalf("Tags = %v after %s, want the context's deadline quickly", err, time.Since(start))
				}
			}, wantSeen: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := proxy.inject(t, tt.method, tt.path, tt.times, tt.action)
			log, logs := debugLogger()
			tt.opts.Logger = log
			c := newTestClient(t, tt.opts)
			repo := testRepo(t, c, proxy.Host, "test/app")
			start := time.Now()
			tt.op(t, context.Background(), c, repo)
			elapsed := time.Since(start)
			seen := f.Seen(proxy)
			t.Logf("attempts seen by the proxy: %d; elapsed %s", seen, elapsed.Round(time.Millisecond))
			if testing.Verbose() {
				t.Logf("log:\n%s", logs)
			}
			if seen != tt.wantSeen {
				t.Errorf("proxy saw %d attempts, want %d", seen, tt.wantSeen)
			}
			if elapsed < tt.minElapsed {
				t.Errorf("took %s, want at least %s (Retry-After)", elapsed, tt.minElapsed)
			}
			if tt.wantRanges != nil && !slices.Equal(f.Ranges(proxy), tt.wantRanges) {
				t.Errorf("Range headers = %q, want %q", f.Ranges(proxy), tt.wantRanges)
			}
		})
	}
}
