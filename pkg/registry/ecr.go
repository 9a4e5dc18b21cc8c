package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/airlift-cli/airlift/internal/oneline"
	"github.com/airlift-cli/airlift/internal/redact"
)

// ecrHostRE matches private ECR registry hosts: ACCOUNT.dkr.ecr.REGION.DOMAIN,
// the FIPS form dkr.ecr-fips, and the dual-stack form dkr-ecr (on.aws).
var ecrHostRE = regexp.MustCompile(`^(\d{12})\.dkr([.-])ecr(-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.` +
	`(amazonaws\.com|amazonaws\.com\.cn|amazonaws\.eu|on\.aws|on\.amazonwebservices\.com\.cn|` +
	`sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$`)

// ecrHost is a parsed ECR registry host.
type ecrHost struct {
	host, account, region string
	fips, dualStack       bool
}

func parseECR(hostport string) (ecrHost, bool) {
	host, port := splitHostPort(strings.ToLower(hostport))
	if port != "" && port != "443" {
		return ecrHost{}, false
	}
	m := ecrHostRE.FindStringSubmatch(host)
	if m == nil {
		return ecrHost{}, false
	}
	return ecrHost{host: host, account: m[1], region: m[4], fips: m[3] != "", dualStack: m[2] == "-"}, true
}

// ParseECRHost recognises Amazon ECR private registry hosts and returns
// their account and region: ACCOUNT.dkr.ecr.REGION.amazonaws.com,
// .amazonaws.com.cn (China), FIPS (ACCOUNT.dkr.ecr-fips.REGION.amazonaws.com),
// dual-stack (ACCOUNT.dkr-ecr.REGION.on.aws) and the isolated partitions.
// A ":443" port is accepted.
func ParseECRHost(host string) (account, region string, ok bool) {
	h, ok := parseECR(host)
	return h.account, h.region, ok
}

// ecrAccess holds the ECR API clients (one per region and endpoint variant,
// from the default AWS configuration chain), cached authorization tokens
// and the registries' repositories listed so far.
type ecrAccess struct {
	opts ECROptions
	log  *slog.Logger

	mu      sync.Mutex
	clients map[string]*ecr.Client
	tokens  map[string]*ecrToken
	listed  map[string]*repoList // by host: the registry's repositories
}

// repoList is the repositories of one registry, listed once.
type repoList struct {
	once  sync.Once
	names map[string]bool
	err   error
}

type ecrToken struct {
	mu      sync.Mutex
	cred    auth.Credential
	expires time.Time
}

// tokenMargin is how long before its expiry an ECR token is renewed.
const tokenMargin = 5 * time.Minute

func newECRAccess(opts ECROptions, log *slog.Logger) *ecrAccess {
	return &ecrAccess{
		opts:    opts,
		log:     log,
		clients: map[string]*ecr.Client{},
		tokens:  map[string]*ecrToken{},
		listed:  map[string]*repoList{},
	}
}

// client returns the ECR API client for h's region and endpoint variant.
func (a *ecrAccess) client(ctx context.Context, h ecrHost) (*ecr.Client, error) {
	key := fmt.Sprintf("%s/%t/%t", h.region, h.fips, h.dualStack)
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.clients[key]; c != nil {
		return c, nil
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(h.region), config.WithLogger(sdkLogger(a.log)))
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	c := ecr.NewFromConfig(cfg, func(o *ecr.Options) {
		if h.fips {
			o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
		}
		if h.dualStack {
			o.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled
		}
	})
	a.clients[key] = c
	return c, nil
}

// sdkLogger sends the AWS SDK's log lines to log instead of stderr.
func sdkLogger(log *slog.Logger) logging.Logger {
	return logging.LoggerFunc(func(cls logging.Classification, format string, v ...any) {
		level := slog.LevelDebug
		if cls == logging.Warn {
			level = slog.LevelWarn
		}
		log.Log(context.Background(), level, "aws sdk: "+redact.String(fmt.Sprintf(format, v...)))
	})
}

// awsError gives an AWS API error a one-line "Code: message" text, keeping
// the error for errors.As.
func awsError(err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return &msgError{msg: redact.String(oneline.Flatten(apiErr.ErrorCode() + ": " + apiErr.ErrorMessage())), err: err}
	}
	return &msgError{msg: redact.String(oneline.Flatten(err.Error())), err: err}
}

func apiErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// ecrRepos prepares the repositories of one ECR registry: on ECR the
// namespace a push needs is the repository itself.
type ecrRepos struct {
	a *ecrAccess
	h ecrHost
}

func (e *ecrRepos) namespace(repository string) (string, error) { return repository, nil }

func (e *ecrRepos) describe(repo string) string {
	return fmt.Sprintf("ECR repository %s in %s", repo, e.h.region)
}

func (e *ecrRepos) exists(ctx context.Context, repo string) (bool, error) {
	return e.a.repositoryExists(ctx, e.h, repo)
}

func (e *ecrRepos) create(ctx context.Context, repo string) (bool, error) {
	return e.a.createRepository(ctx, e.h, repo)
}

// createRepository creates repo in h's registry with the ECROptions. An
// existing repository is success (created false). A refusal for lack of
// ecr:CreateRepository is a *PrepareError.
func (a *ecrAccess) createRepository(ctx context.Context, h ecrHost, repo string) (bool, error) {
	fail := func(err error) (bool, error) {
		return false, fmt.Errorf("create ECR repository %s in %s (registry %s): %w", repo, h.region, h.account, err)
	}
	client, err := a.client(ctx, h)
	if err != nil {
		return fail(err)
	}
	in := &ecr.CreateRepositoryInput{RepositoryName: aws.String(repo), RegistryId: aws.String(h.account)}
	if a.opts.ScanOnPush {
		in.ImageScanningConfiguration = &types.ImageScanningConfiguration{ScanOnPush: true}
	}
	if a.opts.ImmutableTags {
		in.ImageTagMutability = types.ImageTagMutabilityImmutable
	}
	if a.opts.KMSKey != "" {
		in.EncryptionConfiguration = &types.EncryptionConfiguration{
			EncryptionType: types.EncryptionTypeKms,
			KmsKey:         aws.String(a.opts.KMSKey),
		}
	}
	_, err = client.CreateRepository(ctx, in)
	var exists *types.RepositoryAlreadyExistsException
	switch {
	case err == nil:
		a.log.InfoContext(ctx, "created ECR repository", "repository", repo, "region", h.region, "registry", h.account)
		return true, nil
	case errors.As(err, &exists):
		return false, nil
	case apiErrorCode(err) == "AccessDeniedException" && a.exists(ctx, client, h, repo):
		// Allowed to push but not to create: fine when it is already there.
		return false, nil
	case apiErrorCode(err) == "AccessDeniedException":
		return false, &PrepareError{
			Registry:   h.host,
			What:       fmt.Sprintf("ECR repository %s in %s (registry %s)", repo, h.region, h.account),
			Permission: "the IAM permission ecr:CreateRepository",
			Err:        awsError(err),
		}
	}
	return fail(awsError(err))
}

// repositoryExists asks ECR, read-only, whether repo exists: from the
// list of every repository of the registry (made once), or, when listing
// is refused, by naming repo.
func (a *ecrAccess) repositoryExists(ctx context.Context, h ecrHost, repo string) (bool, error) {
	client, err := a.client(ctx, h)
	if err != nil {
		return false, err
	}
	a.mu.Lock()
	l := a.listed[h.host]
	if l == nil {
		l = &repoList{}
		a.listed[h.host] = l
	}
	a.mu.Unlock()
	l.once.Do(func() { l.names, l.err = a.list(ctx, client, h) })
	if l.err == nil {
		return l.names[repo], nil
	}
	out, err := client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{
		RegistryId:      aws.String(h.account),
		RepositoryNames: []string{repo},
	})
	var notFound *types.RepositoryNotFoundException
	switch {
	case err == nil:
		return len(out.Repositories) > 0, nil
	case errors.As(err, &notFound):
		return false, nil
	}
	return false, awsError(err)
}

// list returns the names of every repository of h's registry.
func (a *ecrAccess) list(ctx context.Context, client *ecr.Client, h ecrHost) (map[string]bool, error) {
	names := map[string]bool{}
	p := ecr.NewDescribeRepositoriesPaginator(client, &ecr.DescribeRepositoriesInput{
		RegistryId: aws.String(h.account),
		MaxResults: aws.Int32(1000),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, awsError(err)
		}
		for _, r := range out.Repositories {
			names[aws.ToString(r.RepositoryName)] = true
		}
	}
	return names, nil
}

// exists reports whether DescribeRepositories finds repo.
func (a *ecrAccess) exists(ctx context.Context, client *ecr.Client, h ecrHost, repo string) bool {
	out, err := client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{
		RegistryId:      aws.String(h.account),
		RepositoryNames: []string{repo},
	})
	return err == nil && len(out.Repositories) > 0
}
