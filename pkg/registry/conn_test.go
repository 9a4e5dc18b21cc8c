package registry

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestIdleConnCountsBothDirections: a read waiting while writes move does
// not time out; silence in both directions does.
func TestIdleConnCountsBothDirections(t *testing.T) {
	const idle = 100 * time.Millisecond
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := newIdleConn(a, idle)
	go func() { _, _ = io.Copy(io.Discard, b) }() // the peer reads what c writes

	readDone := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		readDone <- err
	}()
	for range 10 { // 300ms of slow writes, three idle periods
		time.Sleep(idle / 3)
		if _, err := c.Write([]byte("x")); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	select {
	case err := <-readDone:
		t.Fatalf("Read returned while writes were moving: %v", err)
	default:
	}
	go func() { _, _ = b.Write([]byte("y")) }()
	if err := <-readDone; err != nil {
		t.Fatalf("Read: %v", err)
	}

	start := time.Now()
	_, err := c.Read(make([]byte, 1))
	elapsed := time.Since(start)
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() || !IsRetryable(err) {
		t.Fatalf("Read after silence = %v, want a retryable timeout", err)
	}
	if elapsed < idle/2 || elapsed > 10*idle {
		t.Errorf("idle timeout after %s, want about %s", elapsed, idle)
	}
	t.Logf("silent read failed after %s: %v", elapsed.Round(time.Millisecond), err)
}

// stallingServer serves data; its first response stops after 10 bytes
// and stays silent.
func stallingServer(t *testing.T, data []byte) (*httptest.Server, *atomic.Int32) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(data[:10])
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		http.ServeContent(w, r, "blob", time.Time{}, bytes.NewReader(data))
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}

func TestIdleTimeoutOnDownload(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 10)
	tests := []struct {
		name         string
		attempts     int
		wantErr      bool
		wantRequests int32
	}{
		{name: "no retries: the stall fails the read", attempts: 1, wantErr: true, wantRequests: 1},
		{name: "stalled download is resumed", attempts: 3, wantRequests: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, requests := stallingServer(t, data)
			c := newTestClient(t, Options{IdleTimeout: 200 * time.Millisecond, MaxAttempts: tt.attempts})
			start := time.Now()
			resp, err := c.auth.Client.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			elapsed := time.Since(start)
			t.Logf("read %d bytes in %s, %d requests, err %v", len(got), elapsed.Round(time.Millisecond), requests.Load(), err)
			if tt.wantErr != (err != nil) {
				t.Fatalf("read error %v, want error %t", err, tt.wantErr)
			}
			if err != nil && (!IsRetryable(err) || !strings.Contains(err.Error(), "idle timeout")) {
				t.Errorf("read error %v, want a retryable idle timeout", err)
			}
			if err == nil && !bytes.Equal(got, data) {
				t.Errorf("read %q, want %q", got, data)
			}
			if requests.Load() != tt.wantRequests {
				t.Errorf("server saw %d requests, want %d", requests.Load(), tt.wantRequests)
			}
			if elapsed > 3*time.Second {
				t.Errorf("took %s: the idle timeout did not fire", elapsed)
			}
		})
	}
}

func TestResponseHeaderTimeoutIsRetried(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			<-r.Context().Done() // never answer the first request
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c := newTestClient(t, Options{RequestTimeout: 150 * time.Millisecond})
	resp, err := c.auth.Client.Get(srv.URL)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	resp.Body.Close()
	if requests.Load() != 2 {
		t.Errorf("server saw %d requests, want 2", requests.Load())
	}
}

// TestRefusedAfterConnect: a host that answered before and now refuses
// connections (restarting) is retried, and the error stays retryable.
func TestRefusedAfterConnect(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	log, logs := debugLogger()
	c := newTestClient(t, Options{MaxAttempts: 3, Logger: log})
	resp, err := c.auth.Client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close()

	_, err = c.auth.Client.Get(srv.URL)
	var hostErr *HostError
	if err == nil || errors.As(err, &hostErr) || !IsRetryable(err) {
		t.Fatalf("Get after the server stopped = %v, want a retryable error that is not a HostError", err)
	}
	if n := strings.Count(logs.String(), "retrying registry request"); n != 2 {
		t.Errorf("%d retries logged, want 2:\n%s", n, logs)
	}
}
