package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
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
	createErr, tokenErr, exists, ttl := f.createErr, f.tokenErr, f.repoExists, f.tokenTTL
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
	c := newTestClient(t, Options{ECR: ECROptions{ScanOnPush: true, ImmutableTags: true, KMSKey: kms}})

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
	if !reflect.DeepEqual(f.regions, []string{"us-east-1"}) {
		t.Errorf("calls signed for regions %v, want the host's us-east-1", f.regions)
	}

	created, err = c.Prepare(ctx, ecrHostUSE1, "team/app")
	if err != nil || created || f.count("CreateRepository") != 1 {
		t.Errorf("second Prepare = %t, %v with %d calls; want false, nil, one call", created, err, f.count("CreateRepository"))
	}
	if plan := c.PlanPrepare(ecrHostUSE1, "team/app"); plan != "" {
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
		{name: "already exists", createErr: "RepositoryAlreadyExistsException"},
		{name: "access denied, repository exists", createErr: "AccessDeniedException", exists: true, wantDescribe: 1},
		{name: "access denied, repository missing", createErr: "AccessDeniedException", wantErr: true, wantDescribe: 1},
		{name: "invalid parameter", createErr: "InvalidParameterException", wantErr: true},
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

func TestPlanPrepare(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, Options{})
	tests := []struct{ registry, repo, want string }{
		{ecrHostUSE1, "team/app", "create ECR repository team/app in us-east-1"},
		{"210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn", "app", "create ECR repository app in cn-north-1"},
		{"quay.io", "team/app", ""},
		{"127.0.0.1:5000", "team/app", ""},
	}
	for _, tt := range tests {
		if got := c.PlanPrepare(tt.registry, tt.repo); got != tt.want {
			t.Errorf("PlanPrepare(%q, %q) = %q, want %q", tt.registry, tt.repo, got, tt.want)
		}
	}
}
