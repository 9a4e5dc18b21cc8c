package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// idleDialer wraps dialer's connections in an idle timeout.
func idleDialer(dialer *net.Dialer, idle time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err != nil || idle <= 0 {
			return conn, err
		}
		return newIdleConn(conn, idle), nil
	}
}

// idleConn fails reads and writes once no byte has moved on the connection,
// in either direction, for the idle timeout. A read that waits for a
// response while a large upload is still being written does not time out,
// nor does a slow but moving transfer: only silence does.
type idleConn struct {
	net.Conn
	idle time.Duration
	last atomic.Int64 // UnixNano of the last byte moved
	hold atomic.Int64 // a longer idle allowance (ns) while a commit is awaited; 0: none
}

// allow lets the connection stay silent for d (when longer than its idle
// timeout) until allow(0): a registry that moves an uploaded blob into
// object storage answers nothing meanwhile.
func (c *idleConn) allow(d time.Duration) {
	c.hold.Store(int64(d))
	c.touch()
}

func newIdleConn(conn net.Conn, idle time.Duration) *idleConn {
	c := &idleConn{Conn: conn, idle: idle}
	c.touch()
	return c
}

func (c *idleConn) touch() { c.last.Store(time.Now().UnixNano()) }

// deadline returns when the connection will have been idle too long.
func (c *idleConn) deadline() time.Time {
	return time.Unix(0, c.last.Load()).Add(max(c.idle, time.Duration(c.hold.Load())))
}

// idleConnOf returns the idleConn under conn (TLS unwrapped), or nil.
func idleConnOf(conn net.Conn) *idleConn {
	if tc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		conn = tc.NetConn()
	}
	c, _ := conn.(*idleConn)
	return c
}

func (c *idleConn) Read(p []byte) (int, error) {
	for {
		dl := c.deadline()
		if !time.Now().Before(dl) {
			return 0, &idleTimeoutError{idle: c.idle}
		}
		if err := c.Conn.SetReadDeadline(dl); err != nil {
			return 0, err
		}
		n, err := c.Conn.Read(p)
		if n > 0 {
			c.touch()
		}
		if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
			continue // recheck: the other direction may have moved
		}
		return n, err
	}
}

func (c *idleConn) Write(p []byte) (int, error) {
	written := 0
	for {
		dl := c.deadline()
		if !time.Now().Before(dl) {
			return written, &idleTimeoutError{idle: c.idle}
		}
		if err := c.Conn.SetWriteDeadline(dl); err != nil {
			return written, err
		}
		n, err := c.Conn.Write(p[written:])
		written += n
		if n > 0 {
			c.touch()
		}
		if written == len(p) {
			return written, nil
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return written, err
		}
	}
}

// idleTimeoutError is returned when a connection was silent for too long.
// It is a net.Error with Timeout() true, hence retryable.
type idleTimeoutError struct{ idle time.Duration }

func (e *idleTimeoutError) Error() string {
	return fmt.Sprintf("no data transferred for %s (idle timeout)", e.idle)
}
func (e *idleTimeoutError) Timeout() bool   { return true }
func (e *idleTimeoutError) Temporary() bool { return true }

var _ net.Error = (*idleTimeoutError)(nil)
