package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd" // the htpasswd access controller
	"github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem" // storage of a directory
	"github.com/sirupsen/logrus"

	"github.com/airlift-cli/airlift/pkg/layout"
)

// Options configure a Server. Exactly one of Dir and Archive is set.
type Options struct {
	// Addr is where to listen ("127.0.0.1:5000"; port 0 picks one).
	Addr string
	// Dir is the storage of a read-write registry (created if missing).
	Dir string
	// Archive is a layout to serve read-only, in place.
	Archive *layout.Layout
	// CertFile and KeyFile serve TLS; both or neither.
	CertFile, KeyFile string
	// Htpasswd is an htpasswd file (bcrypt entries): basic auth is
	// required when it is set.
	Htpasswd string
	// ReadOnly refuses pushes (an archive is always read-only).
	ReadOnly bool
	// Logger receives the registry's log; nil discards it.
	Logger *slog.Logger
}

// Server is a running registry.
type Server struct {
	// Addr is the address it listens on, host:port.
	Addr string
	// TLS is true when it serves HTTPS.
	TLS bool

	srv    *http.Server
	mu     sync.Mutex
	fresh  map[net.Conn]bool // connections with no request yet
	cancel context.CancelFunc
	done   chan error
	id     string
}

// Start starts a registry and returns once it listens.
func Start(ctx context.Context, o Options) (*Server, error) {
	if (o.Dir == "") == (o.Archive == nil) {
		return nil, errors.New("serve: give a directory or an archive")
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, errors.New("serve: TLS needs both a certificate and a key")
	}
	cfg := &configuration.Configuration{}
	cfg.Log.Level = "error"
	cfg.Log.AccessLog.Disabled = true
	cfg.HTTP.Secret = strconv.FormatInt(time.Now().UnixNano(), 36)
	// distribution's default when it reads a configuration file; a
	// Configuration built here has 0, which refuses every catalog request
	// that names a page size (crane catalog asks for n=1000).
	cfg.Catalog.MaxEntries = 1000
	s := &Server{done: make(chan error, 1)}
	if o.Archive != nil {
		d, err := newArchiveDriver(ctx, o.Archive)
		if err != nil {
			return nil, err
		}
		archivesMu.Lock()
		archiveSeq++
		s.id = strconv.Itoa(archiveSeq)
		archives[s.id] = d
		archivesMu.Unlock()
		cfg.Storage = configuration.Storage{driverName: configuration.Parameters{"id": s.id}}
		o.ReadOnly = true
	} else {
		cfg.Storage = configuration.Storage{"filesystem": configuration.Parameters{"rootdirectory": o.Dir}}
		cfg.Storage["delete"] = configuration.Parameters{"enabled": true}
	}
	maintenance := configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}}
	if o.ReadOnly {
		maintenance["readonly"] = map[any]any{"enabled": true}
	}
	cfg.Storage["maintenance"] = maintenance
	if o.Htpasswd != "" {
		cfg.Auth = configuration.Auth{"htpasswd": configuration.Parameters{"realm": "airlift", "path": o.Htpasswd}}
	}
	// distribution logs through logrus' standard logger.
	logrus.SetOutput(io.Discard)
	if o.Logger != nil && o.Logger.Enabled(ctx, slog.LevelDebug) {
		logrus.SetOutput(slogWriter{o.Logger})
		cfg.Log.Level = "info"
		cfg.Log.AccessLog.Disabled = false
	}
	appCtx, cancel := context.WithCancel(context.Background())
	app := handlers.NewApp(appCtx, cfg)
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		cancel()
		s.release()
		return nil, fmt.Errorf("serve: %w", err)
	}
	s.Addr, s.cancel = ln.Addr().String(), cancel
	s.srv = &http.Server{Handler: app, ReadHeaderTimeout: 30 * time.Second, ConnState: s.track}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			ln.Close()
			cancel()
			s.release()
			return nil, fmt.Errorf("serve: loading the certificate: %w", err)
		}
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.TLS = true
	}
	go func() {
		if s.TLS {
			s.done <- s.srv.ServeTLS(ln, "", "")
			return
		}
		s.done <- s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the registry: requests under way get a second to finish.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	// A connection a client opened but sent nothing on yet (transports dial
	// ahead) counts as busy for Shutdown for 5 seconds: close those now.
	s.mu.Lock()
	for c := range s.fresh {
		c.Close()
	}
	s.mu.Unlock()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	s.cancel()
	s.release()
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// track keeps the connections no request was read from yet.
func (s *Server) track(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fresh == nil {
		s.fresh = map[net.Conn]bool{}
	}
	if st == http.StateNew {
		s.fresh[c] = true
	} else {
		delete(s.fresh, c)
	}
}

// Wait blocks until ctx ends, then stops the registry.
func (s *Server) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return s.Close()
	case err := <-s.done:
		s.done <- err
		return s.Close()
	}
}

func (s *Server) release() {
	if s.id != "" {
		archivesMu.Lock()
		delete(archives, s.id)
		archivesMu.Unlock()
	}
}

// slogWriter sends logrus lines to a slog logger at debug level.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(b []byte) (int, error) {
	w.l.Debug("registry", "log", string(b))
	return len(b), nil
}
