package registry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// tlsBase builds the TLS settings shared by every host: the system's
// certificate authorities plus Options.CAFiles, and the client certificate
// of Options.CertFile and KeyFile.
func tlsBase(o Options) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case o.CertFile != "" && o.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading client certificate %s: %w", o.CertFile, err)
		}
		conf.Certificates = []tls.Certificate{cert}
	case o.CertFile != "" || o.KeyFile != "":
		return nil, errors.New("a client certificate needs both a certificate file and a key file")
	}
	if len(o.CAFiles) == 0 {
		return conf, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, f := range o.CAFiles {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", f)
		}
	}
	conf.RootCAs = pool
	return conf, nil
}

// loginSet finds the Login of a host.
type loginSet map[string]Login

// newLoginSet normalises the hosts of logins as hostSet does, with Docker
// Hub's names made one.
func newLoginSet(logins []Login) (loginSet, error) {
	s := loginSet{}
	for _, l := range logins {
		hosts, err := newHostSet("Logins", []string{l.Host})
		if err != nil {
			return nil, err
		}
		if l.Username == "" && l.Password == "" {
			return nil, fmt.Errorf("registry options: the login for %s has neither username nor password", l.Host)
		}
		for h := range hosts {
			s[dockerHub(h)] = l
		}
	}
	return s, nil
}

// find returns the login for hostport, exact or through an entry without
// a port.
func (s loginSet) find(hostport string) (Login, bool) {
	if len(s) == 0 {
		return Login{}, false
	}
	host, port := splitHostPort(strings.ToLower(hostport))
	host = dockerHub(host)
	if port != "" {
		if l, ok := s[joinHostPort(host, port)]; ok {
			return l, true
		}
	}
	l, ok := s[host]
	return l, ok
}

// dockerHub maps Docker Hub's names to the registry host.
func dockerHub(host string) string {
	switch host {
	case "docker.io", "index.docker.io":
		return "registry-1.docker.io"
	}
	return host
}
