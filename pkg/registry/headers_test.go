package registry

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// slowCommit makes the registry answer a request d after reading its whole
// body, as a registry does that moves an uploaded blob into object storage.
func slowCommit(d time.Duration) faultAction {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		time.Sleep(d)
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	}
}

// TestCommitTimeout: the request that completes a blob upload may wait for
// the registry as long as CommitTimeout, although the request and idle
// timeouts are much shorter; every other request keeps RequestTimeout.
func TestCommitTimeout(t *testing.T) {
	const slow = 800 * time.Millisecond
	tests := []struct {
		name         string
		method, path string
		commit       time.Duration
		idle         time.Duration // default 200ms, shorter than the slow answer
		op           string
		wantErr      string // "" for success
	}{
		{name: "a slow commit is waited for", method: http.MethodPut, path: `/blobs/uploads/`, commit: 5 * time.Second, op: "push"},
		{name: "a commit slower than the commit timeout fails", method: http.MethodPut, path: `/blobs/uploads/`, commit: 300 * time.Millisecond, op: "push", wantErr: "commit timeout"},
		// (a longer idle timeout, so that it does not race the request timeout)
		{name: "other requests keep the request timeout", method: http.MethodHead, path: `/manifests/v1$`, commit: 5 * time.Second, idle: 2 * time.Second, op: "resolve", wantErr: "request timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newTestRegistry(t)
			img := newTestImage(t, 64<<10)
			ctx := context.Background()
			img.push(t, ctx, testRepo(t, newTestClient(t, Options{}), reg.Host, "test/app"), "v1")
			proxy := newFaultProxy(t, reg)
			f := proxy.inject(t, tt.method, tt.path, 1, slowCommit(slow))
			idle := tt.idle
			if idle == 0 {
				idle = 200 * time.Millisecond
			}
			c := newTestClient(t, Options{PlainHTTP: []string{proxy.Host}, RequestTimeout: 200 * time.Millisecond,
				IdleTimeout: idle, CommitTimeout: tt.commit, MaxAttempts: 1})
			repo := testRepo(t, c, proxy.Host, "test/other")
			var err error
			switch tt.op {
			case "push":
				err = repo.Blobs().Push(ctx, img.layer, bytes.NewReader(img.layerData))
			case "resolve":
				_, err = testRepo(t, c, proxy.Host, "test/app").Resolve(ctx, "v1")
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("%s: %v", tt.op, err)
				}
				if ok, _ := repo.Blobs().Exists(ctx, img.layer); !ok {
					t.Error("blob not in the target after the commit")
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !IsRetryable(err) {
				t.Fatalf("%s: err %v, want a retryable %q", tt.op, err, tt.wantErr)
			}
			if f.Seen(proxy) != 1 {
				t.Errorf("the slow request was sent %d times, want 1", f.Seen(proxy))
			}
		})
	}
}

// TestCancelIsNotATimeout: the caller's cancellation stays a cancellation.
func TestCancelIsNotATimeout(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	proxy := newFaultProxy(t, reg)
	proxy.inject(t, http.MethodHead, `/manifests/v1$`, 1, slowCommit(time.Second))
	c := newTestClient(t, Options{PlainHTTP: []string{proxy.Host}, RequestTimeout: 5 * time.Second, MaxAttempts: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := testRepo(t, c, proxy.Host, "test/app").Resolve(ctx, "v1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
}
