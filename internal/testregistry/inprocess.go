package testregistry

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd" // registers the htpasswd access controller
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/bcrypt"

	// Storage drivers register themselves.
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

// Registry is a running registry.
type Registry struct {
	// Host is "127.0.0.1:PORT", to use in image references (plain HTTP).
	Host string
	// URL is "http://127.0.0.1:PORT" ("https://" WithTLS).
	URL string
	// CAFile is a PEM file of the certificate a registry started WithTLS
	// serves (httptest's, for 127.0.0.1 and example.com); "" otherwise.
	CAFile string
}

// Option changes a registry. WithFilesystem, WithHandler and WithTLS apply
// to in-process registries; WithBasicAuth to both kinds.
type Option func(*config)

type config struct {
	dir        string
	wrap       func(http.Handler) http.Handler
	tls        bool
	caIP       string // WithPrivateCA
	user, pass string
}

// WithPrivateCA serves the in-process registry over HTTPS on ip (an
// address of this machine that is not loopback, so that clients use TLS
// by default), with a certificate for ip signed by a certificate
// authority made for this registry alone: Registry.CAFile is the CA.
func WithPrivateCA(ip string) Option { return func(c *config) { c.caIP = ip } }

// WithTLS serves the in-process registry over HTTPS (HTTP/2 enabled) with
// httptest's self-signed certificate.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// WithBasicAuth makes the registry require user and password (htpasswd).
func WithBasicAuth(user, password string) Option {
	return func(c *config) { c.user, c.pass = user, password }
}

var quietLogs sync.Once

// WithFilesystem stores blobs under dir instead of in memory.
func WithFilesystem(dir string) Option { return func(c *config) { c.dir = dir } }

// WithHandler wraps the registry's handler: to count requests or inject
// faults in front of a real registry.
func WithHandler(wrap func(http.Handler) http.Handler) Option {
	return func(c *config) { c.wrap = wrap }
}

// Start starts an in-process registry, stopped when the test ends.
func Start(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	var c config
	for _, o := range opts {
		o(&c)
	}
	cfg := &configuration.Configuration{}
	cfg.Log.Level = "error"
	cfg.Log.AccessLog.Disabled = true
	if c.dir != "" {
		cfg.Storage = configuration.Storage{"filesystem": configuration.Parameters{"rootdirectory": c.dir}}
	} else {
		cfg.Storage = configuration.Storage{"inmemory": configuration.Parameters{}}
	}
	cfg.Storage["delete"] = configuration.Parameters{"enabled": true}
	cfg.Storage["maintenance"] = configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}}
	cfg.HTTP.Secret = "airlift-test-secret"
	if c.user != "" {
		cfg.Auth = configuration.Auth{"htpasswd": configuration.Parameters{"realm": "airlift-test", "path": htpasswd(t, t.TempDir(), c.user, c.pass)}}
	}
	// distribution logs every request through logrus' standard logger.
	quietLogs.Do(func() { logrus.SetOutput(io.Discard) })
	ctx, cancel := context.WithCancel(context.Background())
	var h http.Handler = handlers.NewApp(ctx, cfg)
	if c.wrap != nil {
		h = c.wrap(h)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshake errors are expected in tests
	var caFile string
	if c.caIP != "" {
		l, err := net.Listen("tcp", net.JoinHostPort(c.caIP, "0"))
		if err != nil {
			t.Fatal(err)
		}
		srv.Listener.Close()
		srv.Listener = l
		cert, caPEM := privateCA(t, c.caIP)
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		caFile = filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
			t.Fatal(err)
		}
		c.tls = true
	}
	if c.tls {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		srv.Close()
		cancel()
	})
	host := strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://")
	r := &Registry{Host: host, URL: srv.URL, CAFile: caFile}
	if c.tls && caFile == "" {
		r.CAFile = filepath.Join(t.TempDir(), "ca.pem")
		block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(r.CAFile, block, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// htpasswd writes a one-user htpasswd file into dir and returns its path.
func htpasswd(t testing.TB, dir, user, pass string) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(path, []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// privateCA makes a certificate authority and a server certificate for ip
// signed by it; it returns the server's key pair and the CA's PEM.
func privateCA(t testing.TB, ip string) (tls.Certificate, []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "airlift test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: ip},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP(ip)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// HostIP returns an IPv4 address of this machine that is not loopback,
// or "" when it has none.
func HostIP() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}

// LocalCertificate writes a certificate for ip signed by a new private CA
// and its key, and the CA, into files: for servers a test starts itself.
func LocalCertificate(t testing.TB, ip string) (certFile, keyFile, caFile string) {
	t.Helper()
	cert, caPEM := privateCA(t, ip)
	dir := t.TempDir()
	certFile, keyFile, caFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "ca.pem")
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		certFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		keyFile:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		caFile:   caPEM,
	} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile, caFile
}
