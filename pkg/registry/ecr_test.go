package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airlift-cli/airlift/internal/testregistry"
)

const (
	testAccessKey = "AKIDAIRLIFTTESTKEY"
	testSecretKey = "airlift-test-secret-key-do-not-print"
	ecrHostUSE1   = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
)

// fakeECR speaks the ECR API's AWS JSON 1.1 protocol for the calls the
// package makes.
type fakeECR struct {
	mu         sync.Mutex
	calls      map[string]int              // by operation
	bodies     map[string][]map[string]any // request bodies by operation
	regions    []string                    // SigV4 credential scope of each call
	createErr  string                      // __type returned by CreateRepository
	tokenErr   string                      // __type returned by GetAuthorizationToken
	repoExists bool                        // what DescribeRepositories finds
	listDenied bool                        // DescribeRepositories of the whole registry is refused
	tokenTTL   time.Duration
}

var credentialScopeRE = regexp.MustCompile(`Credential=[^/]+/\d+/([^/]+)/ecr/aws4_request`)

func (f *fakeECR) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonEC2ContainerRegistry_V20150921.")
	var body map[string]any
	data, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(data, &body)
	f.mu.Lock()
	f.calls[op]++
	f.bodies[op] = append(f.bodies[op], body)
	if m := credentialScopeRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		f.regions = append(f.regions, m[1])
	}
	n := f.calls[op]
	createErr, tokenErr, exists, ttl, listDenied := f.createErr, f.tokenErr, f.repoExists, f.tokenTTL, f.listDenied
	f.mu.Unlock()

	fail := func(typ, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
	}
	var out any
	switch op {
	case "CreateRepository":
		if createErr != "" {
			msg := "Invalid parameter at 'repositoryName'"
			if createErr == "AccessDeniedException" {
				msg = "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:CreateRepository"
			}
			fail(createErr, msg)
			return
		}
		time.Sleep(20 * time.Millisecond) // widen the window for concurrent callers
		out = map[string]any{"repository": map[string]any{"repositoryName": body["repositoryName"], "registryId": body["registryId"]}}
	case "DescribeRepositories":
		if _, named := body["repositoryNames"]; !named {
			if listDenied {
				fail("AccessDeniedException", "not authorized to perform: ecr:DescribeRepositories on resource: *")
				return
			}
			repos := []any{}
			if exists {
				repos = append(repos, map[string]any{"repositoryName": "team/app"})
			}
			out = map[string]any{"repositories": repos}
			break
		}
		if !exists {
			fail("RepositoryNotFoundException", "The repository does not exist")
			return
		}
		out = map[string]any{"repositories": []any{map[string]any{"repositoryName": "team/app"}}}
	case "GetAuthorizationToken":
		if tokenErr != "" {
			fail(tokenErr, "not authorized to perform: ecr:GetAuthorizationToken")
			return
		}
		token := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "AWS:token-%d", n))
		out = map[string]any{"authorizationData": []any{map[string]any{
			"authorizationToken": token,
			"expiresAt":          float64(time.Now().Add(ttl).Unix()),
			"proxyEndpoint":      "https://" + ecrHostUSE1,
		}}}
	default:
		fail("UnknownOperationException", op)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func (f *fakeECR) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// newFakeECR starts the fake and points the real AWS SDK at it through the
// environment.
func newFakeECR(t *testing.T) *fakeECR {
	f := &fakeECR{calls: map[string]int{}, bodies: map[string][]map[string]any{}, tokenTTL: 12 * time.Hour}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_ECR":        srv.URL,
		"AWS_ACCESS_KEY_ID":           testAccessKey,
		"AWS_SECRET_ACCESS_KEY":       testSecretKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "eu-central-1", // the host's region must win
		"AWS_PROFILE":                 "",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
	} {
		t.Setenv(k, v)
	}
	return f
}

func TestPrepareCreatesECRRepository(t *testing.T) {
	f := newFakeECR(t)
	ctx := context.Background()
	const kms = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	c := newTestClient(t, Options{ECR: ECROptions{ScanOnPush: true, ImmutableTags: true, KMSKey: kms}, Harbor: HarborOptions{Detect: HarborOff}})

	created, err := c.Prepare(ctx, ecrHostUSE1, "team/app")
	if err != nil || !created {
		t.Fatalf("Prepare = %t, %v; want true, nil", created, err)
	}
	want := map[string]any{
		"registryId":                 "123456789012",
		"repositoryName":             "team/app",
		"imageScanningConfiguration": map[string]any{"scanOnPush": true},
		"imageTagMutability":         "IMMUTABLE",
		"encryptionConfiguration":    map[string]any{"encryptionType": "KMS", "kmsKey": kms},
	}
	if got := f.bodies["CreateRepository"][0]; !reflect.DeepEqual(got, want) {
		t.Errorf("CreateRepository request = %v, want %v", got, want)
	}
	// DescribeRepositories (is it there?), then CreateRepository.
	if !reflect.DeepEqual(f.regions, []string{"us-east-1", "us-east-1"}) {
		t.Errorf("calls signed for regions %v, want the host's us-east-1", f.regions)
	}

	created, err = c.Prepare(ctx, ecrHostUSE1, "team/app")
	if err != nil || created || f.count("CreateRepository") != 1 {
		t.Errorf("second Prepare = %t, %v with %d calls; want false, nil, one call", created, err, f.count("CreateRepository"))
	}
	if plan, _ := c.PlanPrepare(ctx, ecrHostUSE1, "team/app"); plan != "" {
		t.Errorf("PlanPrepare after Prepare = %q, want nothing to do", plan)
	}
	if created, err := c.Prepare(ctx, "quay.io", "team/app"); created || err != nil || f.count("CreateRepository") != 1 {
		t.Errorf("Prepare(quay.io) = %t, %v; want nothing done", created, err)
	}
}

func TestPrepareDefaultsSendNoOptions(t *testing.T) {
	f := newFakeECR(t)
	c := newTestClient(t, Options{})
	if _, err := c.Prepare(context.Background(), ecrHostUSE1, "app"); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"registryId": "123456789012", "repositoryName": "app"}
	if got := f.bodies["CreateRepository"][0]; !reflect.DeepEqual(got, want) {
		t.Errorf("CreateRepository request = %v, want %v", got, want)
	}
}

func TestPrepareConcurrentCallersShareOneCall(t *testing.T) {
	f := newFakeECR(t)
	c := newTestClient(t, Options{})
	var wg sync.WaitGroup
	results := make(chan bool, 8)
	for range 8 {
		wg.Go(func() {
			created, err := c.Prepare(context.Background(), ecrHostUSE1, "team/app")
			if err != nil {
				t.Error(err)
			}
			results <- created
		})
	}
	wg.Wait()
	close(results)
	createdCount := 0
	for created := range results {
		if created {
			createdCount++
		}
	}
	if n := f.count("CreateRepository"); n != 1 || createdCount != 1 {
		t.Errorf("%d CreateRepository calls, %d callers told created; want 1 and 1", n, createdCount)
	}
}

func TestPrepareErrors(t *testing.T) {
	tests := []struct {
		name         string
		createErr    string
		exists       bool
		wantErr      bool
		wantDescribe int
	}{
		// The repositories are listed first; CreateRepository is called
		// for a missing one.
		{name: "created meanwhile", createErr: "RepositoryAlreadyExistsException", wantDescribe: 1},
		{name: "access denied, repository exists", createErr: "AccessDeniedException", exists: true, wantDescribe: 1},
		{name: "access denied, repository missing", createErr: "AccessDeniedException", wantErr: true, wantDescribe: 2},
		{name: "invalid parameter", createErr: "InvalidParameterException", wantErr: true, wantDescribe: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeECR(t)
			f.createErr, f.repoExists = tt.createErr, tt.exists
			c := newTestClient(t, Options{})
			created, err := c.Prepare(context.Background(), ecrHostUSE1, "team/app")
			if created || (err != nil) != tt.wantErr {
				t.Fatalf("Prepare = %t, %v; want false, error %t", created, err, tt.wantErr)
			}
			if n := f.count("DescribeRepositories"); n != tt.wantDescribe {
				t.Errorf("%d DescribeRepositories calls, want %d", n, tt.wantDescribe)
			}
			if err == nil {
				return
			}
			msg := err.Error()
			t.Logf("error: %s", msg)
			var prepErr *PrepareError
			if denied := tt.createErr == "AccessDeniedException"; denied != (errors.As(err, &prepErr) && prepErr.Permission != "") {
				t.Errorf("error %v: a *PrepareError naming the permission: %t, want %t", err, !denied, denied)
			}
			for _, want := range []string{"team/app", "us-east-1", tt.createErr} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %q", msg, want)
				}
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, testSecretKey) || strings.Contains(msg, testAccessKey) {
				t.Errorf("error %q: want one line without credentials", msg)
			}
			// A failure is not remembered: the next call tries again.
			_, _ = c.Prepare(context.Background(), ecrHostUSE1, "team/app")
			if n := f.count("CreateRepository"); n != 2 {
				t.Errorf("%d CreateRepository calls after a retry, want 2", n)
			}
		})
	}
}

// TestPlanPrepare: a dry run asks ECR, read-only, which repositories
// exist, and plans to create only the others.
func TestPlanPrepare(t *testing.T) {
	tests := []struct {
		name               string
		registry, repo     string
		exists, listDenied bool
		noAPI              bool
		want, wantErr      string
		wantCalls          map[string]int
	}{
		{name: "missing", registry: ecrHostUSE1, repo: "team/app", want: "create ECR repository team/app in us-east-1",
			wantCalls: map[string]int{"DescribeRepositories": 1}},
		{name: "exists", registry: ecrHostUSE1, repo: "team/app", exists: true,
			wantCalls: map[string]int{"DescribeRepositories": 1}},
		{name: "listing refused, named repository exists", registry: ecrHostUSE1, repo: "team/app", exists: true, listDenied: true,
			wantCalls: map[string]int{"DescribeRepositories": 2}},
		{name: "listing refused, named repository missing", registry: ecrHostUSE1, repo: "team/app", listDenied: true,
			want: "create ECR repository team/app in us-east-1", wantCalls: map[string]int{"DescribeRepositories": 2}},
		{name: "ECR unreachable", registry: ecrHostUSE1, repo: "team/app", noAPI: true,
			want: "create ECR repository team/app in us-east-1", wantErr: "checking ECR repository team/app"},
		{name: "not ECR (Harbor detection off)", registry: "quay.io", repo: "team/app", wantCalls: map[string]int{}},
		{name: "loopback", registry: "127.0.0.1:5000", repo: "team/app", wantCalls: map[string]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeECR(t)
			f.repoExists, f.listDenied = tt.exists, tt.listDenied
			if tt.noAPI {
				t.Setenv("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:1")
			}
			c := newTestClient(t, Options{MaxAttempts: 1, Harbor: HarborOptions{Detect: HarborOff}})
			got, err := c.PlanPrepare(context.Background(), tt.registry, tt.repo)
			if got != tt.want {
				t.Errorf("PlanPrepare = %q, want %q", got, tt.want)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			for op, n := range tt.wantCalls {
				if got := f.count(op); got != n {
					t.Errorf("%s called %d times, want %d", op, got, n)
				}
			}
			if f.count("CreateRepository") != 0 {
				t.Error("a dry run created a repository")
			}
		})
	}
	t.Run("one listing for many repositories", func(t *testing.T) {
		f := newFakeECR(t)
		c := newTestClient(t, Options{})
		for _, repo := range []string{"a", "b", "c"} {
			if _, err := c.PlanPrepare(context.Background(), ecrHostUSE1, repo); err != nil {
				t.Fatal(err)
			}
		}
		if n := f.count("DescribeRepositories"); n != 1 {
			t.Errorf("DescribeRepositories called %d times, want 1", n)
		}
	})
}

// routeAll makes c dial addr whatever host it asks for: the ECR host of
// the tests is served by a registry on this machine.
func routeAll(t *testing.T, c *Client, addr string) {
	t.Helper()
	router := c.auth.Client.Transport.(*retrier).next.(*headerTimeout).next.(*hostRouter)
	router.secure.(*http.Transport).DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
}

// TestPreflightECR: the pre-flight of an ECR target through the fake ECR
// API and a registry standing for ECR's (credentials: the fake's token;
// pushes into a repository the fake does not have refused with ECR's
// NAME_UNKNOWN): a missing repository is created before the upload probe,
// an existing one is only listed, and a refused CreateRepository or
// GetAuthorizationToken is one line.
func TestPreflightECR(t *testing.T) {
	tests := []struct {
		name               string
		exists             bool
		createErr          string
		tokenErr           string
		want               string // problem; "" none
		wantCreate, wantUp int    // CreateRepository calls, upload probes the registry accepted
	}{
		{name: "repository missing: created, then probed", wantCreate: 1, wantUp: 1},
		{name: "repository there: listed, probed", exists: true, wantUp: 1},
		{name: "CreateRepository denied", createErr: "AccessDeniedException", wantCreate: 1,
			want: "ECR repository team/app in us-east-1 (registry 123456789012) does not exist and the account may not create it"},
		{name: "GetAuthorizationToken denied", exists: true, tokenErr: "AccessDeniedException",
			want: "authentication to " + ecrHostUSE1 + " failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeECR(t)
			f.repoExists, f.createErr, f.tokenErr = tt.exists, tt.createErr, tt.tokenErr
			var mu sync.Mutex
			uploads := 0
			reg := testregistry.Start(t, testregistry.WithBasicAuth("AWS", "token-1"), testregistry.WithHandler(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					has := f.repoExists || f.count("CreateRepository") > 0 && f.createErr == ""
					if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v2/team/app/") && !has {
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusNotFound)
						fmt.Fprint(w, `{"errors":[{"code":"NAME_UNKNOWN","message":"The repository with name 'team/app' does not exist in the registry with id '123456789012'"}]}`)
						return
					}
					rec := httptest.NewRecorder()
					next.ServeHTTP(rec, r)
					if r.Method == http.MethodPost && rec.Code == http.StatusAccepted {
						mu.Lock()
						uploads++
						mu.Unlock()
					}
					for k, v := range rec.Header() {
						w.Header()[k] = v
					}
					w.WriteHeader(rec.Code)
					_, _ = w.Write(rec.Body.Bytes())
				})
			}))
			c := newTestClient(t, Options{PlainHTTP: []string{ecrHostUSE1}, MaxAttempts: 1})
			routeAll(t, c, reg.Host)
			err := c.Preflight(context.Background(), []Target{{Registry: ecrHostUSE1, Repository: "team/app"}})
			if tt.want == "" && err != nil {
				t.Fatalf("Preflight = %v", err)
			}
			if tt.want != "" {
				var pf *PreflightError
				if !errors.As(err, &pf) || len(pf.Problems) != 1 || !strings.Contains(pf.Problems[0].Error(), tt.want) {
					t.Fatalf("Preflight = %v, want one problem %q", err, tt.want)
				}
				if msg := err.Error(); strings.Contains(msg, testSecretKey) || strings.Contains(msg, testAccessKey) {
					t.Errorf("error shows AWS credentials: %s", msg)
				}
				t.Logf("problem: %v", pf.Problems[0])
			}
			if n := f.count("CreateRepository"); n != tt.wantCreate {
				t.Errorf("%d CreateRepository calls, want %d", n, tt.wantCreate)
			}
			if n := f.count("DescribeRepositories"); n != 1 && tt.createErr == "" {
				t.Errorf("%d DescribeRepositories calls, want one listing", n)
			}
			mu.Lock()
			defer mu.Unlock()
			if uploads != tt.wantUp {
				t.Errorf("%d upload probes accepted, want %d", uploads, tt.wantUp)
			}
		})
	}
}
