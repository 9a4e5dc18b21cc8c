package registry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
)

// TestRedirectedFailureIsRedacted: a blob GET redirected to storage that
// fails must not quote the presigned URL's signature.
func TestRedirectedFailureIsRedacted(t *testing.T) {
	t.Parallel()
	const signature = "SIGNATURE-SECRET-0123456789"
	reg := newTestRegistry(t)
	img := newTestImage(t, 1024)
	img.push(t, context.Background(), testRepo(t, newTestClient(t, Options{}), reg.Host, "team/app"), "v1")
	proxy := newFaultProxy(t, reg)

	tests := []struct {
		name    string
		status  int
		check   func(error) bool
		retried bool
	}{
		{name: "storage answers 403", status: http.StatusForbidden,
			check: func(err error) bool { var a *AuthError; return errors.As(err, &a) }},
		{name: "storage answers 500", status: http.StatusInternalServerError, retried: true,
			check: func(err error) bool {
				r, ok := asErrorResponse(err)
				return ok && r.StatusCode == 500 && IsRetryable(err)
			}},
		{name: "storage answers 404", status: http.StatusNotFound,
			check: func(err error) bool { return errors.Is(err, errdef.ErrNotFound) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests atomic.Int32
			storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.WriteHeader(tt.status)
			}))
			defer storage.Close()
			target := storage.URL + "/blob?X-Amz-Credential=AKIDEXAMPLE&X-Amz-Signature=" + signature
			proxy.inject(t, http.MethodGet, `/blobs/sha256:`, 10, func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
				http.Redirect(w, r, target, http.StatusTemporaryRedirect)
			})
			c := newTestClient(t, Options{MaxAttempts: 2})
			rc, err := testRepo(t, c, proxy.Host, "team/app").Blobs().Fetch(context.Background(), img.layer)
			if err == nil {
				_, err = content.ReadAll(rc, img.layer)
				rc.Close()
			}
			t.Logf("error: %v", err)
			if err == nil || !tt.check(err) {
				t.Fatalf("Fetch = %v (%T), not the expected error", err, err)
			}
			if strings.Contains(err.Error(), signature) || strings.Contains(err.Error(), "AKIDEXAMPLE") {
				t.Errorf("error quotes the presigned URL: %v", err)
			}
			if want := map[bool]int32{false: 1, true: 2}[tt.retried]; requests.Load() != want {
				t.Errorf("storage saw %d requests, want %d", requests.Load(), want)
			}
		})
	}
}
