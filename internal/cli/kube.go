package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/fromchart"
	"github.com/airlift-cli/airlift/pkg/kube"
	"github.com/airlift-cli/airlift/pkg/registry"
)

type pullSecretFlags struct {
	chartFlags
	manifests     []string
	secretName    string
	secretNS      string
	secretUser    string
	passwordStdin bool
	valuesFile    string
}

func newPullSecretCmd(g *globals) *cobra.Command {
	f := &pullSecretFlags{chartFlags: chartFlags{noLogin: true}}
	cmd := &cobra.Command{
		Use:   "pull-secret REGISTRY --name NAME [CHART | -m FILE]",
		Short: "Write the image pull secret for a registry, and the service accounts that need it",
		Long: `Write a kubernetes.io/dockerconfigjson Secret holding the credentials for
REGISTRY: from the docker config and its credential helpers (as copy uses
them), or --username with the password on stdin (never in a flag).

With a CHART (rendered, every flag of "airlift images") or -m FILE|DIR|-
(plain manifests), also the ServiceAccount of every pod, with the secret as
its image pull secret ("default" where a pod names none), and the Secret in
each of their namespaces; --values-file writes the chart's own pull-secret
values (global.imagePullSecrets and the like) with the secret added. The
output is ready for kubectl apply -f -.`,
		Example: `  airlift pull-secret registry.internal:5000 --name regcred -n shop | kubectl apply -f -
  echo "$PASSWORD" | airlift pull-secret registry.internal --name regcred --username robot --password-stdin ./mychart -f prod.yaml
  kustomize build overlays/prod | airlift pull-secret registry.internal --name regcred -m -`,
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return usageErrorf("pull-secret needs the REGISTRY the secret is for")
			case len(args) > 2:
				return usageErrorf("pull-secret takes REGISTRY and at most one CHART")
			case len(args) == 2 && len(f.manifests) > 0:
				return usageErrorf("give either CHART or -m FILE, not both")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			host := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(args[0], "https://"), "http://"), "/")
			if f.secretName == "" {
				return usageErrorf("pull-secret needs --name for the Secret")
			}
			if f.valuesFile != "" && len(args) < 2 {
				return usageErrorf("--values-file needs a CHART")
			}
			if f.passwordStdin && (slices.Contains(f.vals.Files, "-") || slices.Contains(f.manifests, "-")) {
				return usageErrorf("stdin holds the password (--password-stdin): give the values or manifests as files")
			}
			ctx := cmd.Context()
			login, err := f.login(ctx, g, host)
			if err != nil {
				return err
			}
			namespaces := []string{f.secretNS}
			var accounts []kube.ServiceAccount
			var manifest []byte
			switch {
			case len(args) == 2:
				req, cleanup, err := f.chartRequest(args[1], g)
				defer cleanup()
				if err != nil {
					return err
				}
				rep, err := fromchart.Inventory(ctx, req)
				if err != nil {
					return err
				}
				manifest = rep.Manifest
				if f.valuesFile != "" {
					vals, err := fromchart.PullSecretValues(ctx, req, f.secretName)
					if err != nil {
						return err
					}
					data, err := yaml.Marshal(vals)
					if err != nil {
						return err
					}
					if len(vals) == 0 {
						fmt.Fprintf(g.streams.Err, "note: the chart has no pull-secret values; the service accounts carry the secret\n")
					}
					if err := writeOutput(f.valuesFile, g.streams.Out, data); err != nil {
						return err
					}
				}
			case len(f.manifests) > 0:
				for _, name := range f.manifests {
					in, err := readInputs(name, g.streams.In)
					if err != nil {
						return err
					}
					for _, i := range in {
						manifest = append(append(manifest, i.Data...), "\n---\n"...)
					}
				}
			}
			if manifest != nil {
				if accounts, err = kube.UsedServiceAccounts(manifest, f.secretNS); err != nil {
					return fmt.Errorf("reading the manifests: %w", err)
				}
				for _, a := range accounts {
					namespaces = append(namespaces, a.Namespace)
				}
			}
			slices.Sort(namespaces)
			var objs []any
			for _, ns := range slices.Compact(namespaces) {
				s, err := kube.PullSecret(f.secretName, ns, host, login.Username, login.Password)
				if err != nil {
					return err
				}
				objs = append(objs, s)
			}
			for _, sa := range kube.ServiceAccounts(accounts, f.secretName) {
				objs = append(objs, sa)
			}
			data, err := kube.YAML(objs...)
			if err != nil {
				return err
			}
			if f.valuesFile == "-" {
				_, err = g.streams.Err.Write(data) // stdout holds the values
				return err
			}
			_, err = g.streams.Out.Write(data)
			return err
		},
	}
	fs := cmd.Flags()
	f.chartFlags.register(fs)
	fs.StringArrayVarP(&f.manifests, "manifest", "m", nil, "read plain manifests from FILE, a directory of them, or - for stdin (repeatable)")
	fs.StringVar(&f.secretName, "name", "", "name of the Secret (required)")
	fs.StringVar(&f.secretNS, "secret-namespace", "default", "namespace of the Secret (and of objects that name none)")
	fs.StringVar(&f.secretUser, "username", "", "username for the secret; the password is read from stdin (--password-stdin)")
	fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the secret's password from stdin")
	fs.StringVar(&f.valuesFile, "values-file", "", "write the chart's pull-secret values with the secret added to FILE")
	return cmd
}

// login returns the credentials the secret holds.
func (f *pullSecretFlags) login(ctx context.Context, g *globals, host string) (registry.Login, error) {
	if f.secretUser != "" || f.passwordStdin {
		if f.secretUser == "" || !f.passwordStdin {
			return registry.Login{}, usageErrorf("--username and --password-stdin go together")
		}
		line, err := bufio.NewReader(g.streams.In).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return registry.Login{}, fmt.Errorf("reading the password from stdin: %w", err)
		}
		pass := strings.TrimRight(line, "\r\n")
		if pass == "" {
			return registry.Login{}, errors.New("no password on stdin")
		}
		return registry.Login{Host: host, Username: f.secretUser, Password: pass}, nil
	}
	opts := f.registryOptions(g)
	c, err := registry.New(opts)
	if err != nil {
		return registry.Login{}, err
	}
	l, err := c.Login(ctx, host)
	if err != nil {
		return registry.Login{}, fmt.Errorf("%w (log in with docker login %s, or give --username and the password on stdin with --password-stdin)", err, host)
	}
	return l, nil
}

// jobFlags make `copy --print-job` write a Kubernetes Job instead of
// copying.
type jobFlags struct {
	print     bool
	name      string
	namespace string
	image     string
	shards    int
	secret    string
}

func (j *jobFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&j.print, "print-job", false, "write a Kubernetes Indexed Job (and its ConfigMap) that runs this copy in --job-shards pods, instead of copying")
	fs.StringVar(&j.name, "job-name", "airlift-mirror", "name of the Job")
	fs.StringVar(&j.namespace, "job-namespace", "", "namespace of the Job")
	fs.StringVar(&j.image, "job-image", "", "airlift image the pods run (default: ghcr.io/airlift-cli/airlift at this version)")
	fs.IntVar(&j.shards, "job-shards", 4, "pods of the Job, each copying its share of the images")
	fs.StringVar(&j.secret, "job-secret", "", "kubernetes.io/dockerconfigjson Secret with the registries' credentials (airlift pull-secret writes one)")
}

// jobArgs are the flags of a copy passed on to the Job's pods: where the
// images go and how, not where they come from (the list is resolved here).
var jobArgs = []string{"to", "keep-host", "flatten", "platform", "skip-signatures", "recheck-signatures", "jobs",
	"plain-http-registry", "insecure-registry", "timeout", "commit-timeout", "retries", "ecr-scan-on-push",
	"ecr-immutable-tags", "ecr-kms-key", "harbor", "harbor-public", "harbor-auto-scan", "harbor-storage-limit",
	"skip-preflight", "through"}

// printJob writes the Job that runs req's copy.
func (j *jobFlags) printJob(ctx context.Context, g *globals, cmd *cobra.Command, req copyjob.Request) error {
	pairs, _, err := copyjob.Pairs(ctx, req)
	if err != nil {
		return err
	}
	images := make([]string, len(pairs))
	for i, p := range pairs {
		images[i] = p.Source.String()
	}
	var args []string
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if !slices.Contains(jobArgs, fl.Name) {
			return
		}
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				args = append(args, "--"+fl.Name+"="+v)
			}
			return
		}
		args = append(args, "--"+fl.Name+"="+fl.Value.String())
	})
	image := j.image
	if image == "" {
		tag := "latest"
		if v := version(); strings.HasPrefix(v, "v") {
			tag = v
		}
		image = "ghcr.io/airlift-cli/airlift:" + tag
	}
	cm, job, err := kube.MirrorJob(kube.JobSpec{Name: j.name, Namespace: j.namespace, Image: image, Images: images,
		Shards: j.shards, Args: args, DockerSecret: j.secret})
	if err != nil {
		return &UsageError{Err: err}
	}
	data, err := kube.YAML(cm, job)
	if err != nil {
		return err
	}
	_, err = g.streams.Out.Write(data)
	return err
}

// shardFromJob reads the shard of an Indexed Job's pod: "auto/N" takes
// the index from JOB_COMPLETION_INDEX (0-based).
func shardFromJob(s string) (string, error) {
	n, ok := strings.CutPrefix(s, "auto/")
	if !ok {
		return s, nil
	}
	idx := os.Getenv("JOB_COMPLETION_INDEX")
	if idx == "" {
		return "", usageErrorf("--shard auto/%s reads JOB_COMPLETION_INDEX, which is not set (is this an Indexed Job's pod?)", n)
	}
	var i int
	if _, err := fmt.Sscanf(idx, "%d", &i); err != nil || i < 0 {
		return "", usageErrorf("JOB_COMPLETION_INDEX %q is not an index", idx)
	}
	return fmt.Sprintf("%d/%s", i+1, n), nil
}
