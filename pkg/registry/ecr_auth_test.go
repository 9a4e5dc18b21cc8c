package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseECRHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host, account, region string
		ok                    bool
	}{
		{ecrHostUSE1, "123456789012", "us-east-1", true},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com:443", "123456789012", "us-east-1", true},
		{"123456789012.DKR.ECR.eu-west-1.AMAZONAWS.COM", "123456789012", "eu-west-1", true},
		{"210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn", "210987654321", "cn-north-1", true},
		{"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1", true},
		{"123456789012.dkr-ecr.ap-southeast-2.on.aws", "123456789012", "ap-southeast-2", true},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com:5000", "", "", false},
		{"dkr.ecr.us-east-1.amazonaws.com", "", "", false},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.com", "", "", false},
		{"evil.com/123456789012.dkr.ecr.us-east-1.amazonaws.com", "", "", false},
		{"x123456789012.dkr.ecr.us-east-1.amazonaws.com", "", "", false},
		{"12345678901.dkr.ecr.us-east-1.amazonaws.com", "", "", false},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.co", "", "", false},
		{"123456789012.dkr.ecr.notaregion.amazonaws.com", "", "", false},
		{"public.ecr.aws", "", "", false},
		{"quay.io", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			account, region, ok := ParseECRHost(tt.host)
			if account != tt.account || region != tt.region || ok != tt.ok {
				t.Errorf("ParseECRHost(%q) = %q, %q, %t; want %q, %q, %t", tt.host, account, region, ok, tt.account, tt.region, tt.ok)
			}
		})
	}
}

func TestECRCredential(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		dockerAuth bool          // docker config has credentials for the host
		ttl        time.Duration // token lifetime the fake hands out
		tokenErr   string
		wantUser   string
		wantPass   []string // password of each of two calls
		wantCalls  int
	}{
		{name: "token fetched once and cached", ttl: 12 * time.Hour, wantUser: "AWS", wantPass: []string{"token-1", "token-1"}, wantCalls: 1},
		{name: "token near expiry is renewed", ttl: time.Minute, wantUser: "AWS", wantPass: []string{"token-1", "token-2"}, wantCalls: 2},
		{name: "docker credentials win", dockerAuth: true, wantUser: "ci", wantPass: []string{"docker-pass", "docker-pass"}},
		{name: "GetAuthorizationToken denied", tokenErr: "AccessDeniedException", wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeECR(t)
			f.tokenTTL, f.tokenErr = tt.ttl, tt.tokenErr
			opts := Options{}
			if tt.dockerAuth {
				opts.DockerConfig = writeDockerConfig(t, ecrHostUSE1, "ci", "docker-pass")
			}
			c := newTestClient(t, opts)
			for i := range 2 {
				cred, err := c.credential(ctx, ecrHostUSE1)
				if tt.tokenErr != "" {
					if err == nil || !strings.Contains(err.Error(), ecrHostUSE1) || strings.Contains(err.Error(), testSecretKey) {
						t.Fatalf("credential = %v, want an error naming the host without secrets", err)
					}
					// As the auth client reports it: an *AuthError.
					err = c.typedError(ecrHostUSE1, fmt.Errorf("GET %q: failed to resolve credential: %w", "https://"+ecrHostUSE1+"/v2/", err))
					var authErr *AuthError
					if !errors.As(err, &authErr) || IsRetryable(err) {
						t.Fatalf("typedError = %v, want a non-retryable *AuthError", err)
					}
					t.Logf("error: %s", err)
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if cred.Username != tt.wantUser || cred.Password != tt.wantPass[i] {
					t.Errorf("call %d: credential = %s/%s, want %s/%s", i+1, cred.Username, cred.Password, tt.wantUser, tt.wantPass[i])
				}
			}
			if n := f.count("GetAuthorizationToken"); n != tt.wantCalls {
				t.Errorf("%d GetAuthorizationToken calls, want %d", n, tt.wantCalls)
			}
		})
	}
}
