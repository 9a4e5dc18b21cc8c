package cli

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/airlift-cli/airlift/pkg/registry"
)

// registryFlags say how registries and chart repositories are reached:
// one set for every command, for images and charts alike (package
// registry is the one door to both).
type registryFlags struct {
	plainHTTP    []string
	insecure     []string
	caFiles      []string
	certFile     string
	keyFile      string
	dockerConfig string
	timeout      time.Duration
	retries      int
}

func (f *registryFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.plainHTTP, "plain-http-registry", nil, "reach this registry or repository host over plain HTTP (repeatable; loopback is plain HTTP already)")
	fs.StringArrayVar(&f.insecure, "insecure-registry", nil, "do not verify the TLS certificate of this host (repeatable)")
	fs.StringArrayVar(&f.caFiles, "ca-file", nil, "trust the CA certificates in this PEM file for every registry and chart repository (repeatable)")
	fs.StringVar(&f.certFile, "cert-file", "", "client certificate (PEM) for hosts that ask for one")
	fs.StringVar(&f.keyFile, "key-file", "", "key of the client certificate")
	fs.StringVar(&f.dockerConfig, "docker-config", "", "docker config.json with registry credentials, or its directory (default: $DOCKER_CONFIG or ~/.docker)")
	fs.DurationVar(&f.timeout, "timeout", registry.DefaultRequestTimeout, "time to connect and get response headers, per request")
	fs.IntVar(&f.retries, "retries", registry.DefaultMaxAttempts, "attempts per request and per blob on retryable failures")
}

// registryOptions returns the registry options the flags say.
func (f *registryFlags) registryOptions(g *globals) registry.Options {
	return registry.Options{
		PlainHTTP:      append([]string(nil), f.plainHTTP...),
		Insecure:       append([]string(nil), f.insecure...),
		CAFiles:        f.caFiles,
		CertFile:       f.certFile,
		KeyFile:        f.keyFile,
		DockerConfig:   f.dockerConfig,
		RequestTimeout: f.timeout,
		MaxAttempts:    f.retries,
		Logger:         g.logger(),
	}
}
