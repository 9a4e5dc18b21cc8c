package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/airlift-cli/airlift/pkg/bundle"
	"github.com/airlift-cli/airlift/pkg/layout"
	"github.com/airlift-cli/airlift/pkg/reference"
	"github.com/airlift-cli/airlift/pkg/serve"
)

func newServeCmd(g *globals) *cobra.Command {
	var o serve.Options
	cmd := &cobra.Command{
		Use:   "serve (DIR | ARCHIVE) [--addr HOST:PORT]",
		Short: "Run an embedded registry: from a directory (read-write) or straight from an archive (read-only)",
		Long: `Run an OCI registry (CNCF distribution, embedded) for a site that has none,
until Ctrl-C.

A DIR is the registry's storage, read-write (created when missing). An ARCHIVE
written by "airlift pack" is served read-only and in place: nothing is
extracted (a .zst archive is decompressed to a temporary file first). Its
images are served under their source's host, as "airlift copy --keep-host"
lays them out: quay.io/org/app:1 is ADDR/quay.io/org/app:1 and
registry.lan:5000/app:1 is ADDR/registry.lan_5000/app:1; "airlift relocate
CHART --through ADDR --to REGISTRY" copies a chart's images from it.

TLS with --tls-cert and --tls-key; basic auth with --htpasswd (bcrypt
entries, as htpasswd -B writes them).`,
		Example: `  airlift serve site.tar --addr 0.0.0.0:5000 --tls-cert tls.crt --tls-key tls.key
  airlift serve /var/lib/registry --addr 127.0.0.1:5000 --htpasswd users.htpasswd`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("serve needs one DIR or ARCHIVE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			what := "directory " + args[0]
			images := ""
			if fi, err := os.Stat(args[0]); err == nil && !fi.IsDir() || strings.HasSuffix(args[0], ".000") {
				a, err := bundle.Open(ctx, args[0])
				if err != nil {
					return err
				}
				defer a.Close()
				o.Archive = a.Layout
				what = "archive " + args[0] + " (read-only)"
				if es := a.Entries(); len(es) > 0 {
					repo, tag, dgst := layout.SplitName(es[0].Name)
					name := reference.HostPath(repo) + ":" + tag
					if tag == "" {
						name = reference.HostPath(repo) + "@" + dgst
					}
					images = fmt.Sprintf("; %d entries, e.g. %s", len(es), name)
				}
			} else {
				o.Dir = args[0]
				if o.ReadOnly {
					what += " (read-only)"
				}
			}
			o.Logger = g.logger()
			s, err := serve.Start(ctx, o)
			if err != nil {
				return err
			}
			scheme := "http"
			if s.TLS {
				scheme = "https"
			}
			fmt.Fprintf(g.streams.Err, "serving %s at %s://%s%s; Ctrl-C stops\n", what, scheme, s.Addr, images)
			return s.Wait(ctx)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:5000", "address to listen on")
	fs.StringVar(&o.CertFile, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	fs.StringVar(&o.KeyFile, "tls-key", "", "the certificate's key (PEM)")
	fs.StringVar(&o.Htpasswd, "htpasswd", "", "require basic auth with the users of this htpasswd file (bcrypt)")
	fs.BoolVar(&o.ReadOnly, "read-only", false, "refuse pushes (an archive is always read-only)")
	return cmd
}
