package redact

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestString has one case per secret shape the package masks, and the
// shapes it must leave alone.
func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"user and password in URL", `GET "https://bob:hunter2@registry.example/v2/": boom`, `GET "https://registry.example/v2/": boom`},
		{"token as user name in URL", `fetching https://ghp_T0KEN@charts.example/index.yaml: 401`, `fetching https://charts.example/index.yaml: 401`},
		{"password with @ in URL", `https://u:p@ss@host.example/x`, `https://host.example/x`},
		{"userinfo in oci URL", `oci://robot$ci:s3cr3t@harbor.example/charts/app`, `oci://harbor.example/charts/app`},
		{"several URLs", `a https://u:p@one.example/x b http://v:q@two.example/y`, `a https://one.example/x b http://two.example/y`},
		{"presigned S3", `GET "https://bucket.s3.amazonaws.com/blob?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKID%2F2025&X-Amz-Signature=abc123&X-Amz-Security-Token=tok"`,
			`GET "https://bucket.s3.amazonaws.com/blob?X-Amz-Algorithm=xxxxx&X-Amz-Credential=xxxxx&X-Amz-Signature=xxxxx&X-Amz-Security-Token=xxxxx"`},
		{"presigned GCS", `https://storage.googleapis.com/b/o?X-Goog-Credential=sa%40p&X-Goog-Signature=beef`, `https://storage.googleapis.com/b/o?X-Goog-Credential=xxxxx&X-Goog-Signature=xxxxx`},
		{"CloudFront signed", `https://d1.cloudfront.net/b?Policy=eyJ&Signature=abc&Key-Pair-Id=K2`, `https://d1.cloudfront.net/b?Policy=xxxxx&Signature=xxxxx&Key-Pair-Id=xxxxx`},
		{"Azure SAS and token", `https://acct.blob.core.windows.net/b?sv=2020&sig=s3cr3t&token=t0k`, `https://acct.blob.core.windows.net/b?sv=2020&sig=xxxxx&token=xxxxx`},
		{"password and access token parameters", `https://h.example/x?access_token=a1&password=p1&refresh_token=r1`, `https://h.example/x?access_token=xxxxx&password=xxxxx&refresh_token=xxxxx`},
		{"signed URL then a colon", `fetching https://b.s3.example/c.tgz?X-Amz-Signature=ab:cd: 403`, `fetching https://b.s3.example/c.tgz?X-Amz-Signature=xxxxx: 403`},
		{"bearer header", `request had Authorization: Bearer eyJhbGciOi.abc.def`, `request had Authorization: Bearer xxxxx`},
		{"basic header", `authorization: Basic dXNlcjpwYXNz`, `authorization: Basic xxxxx`},
		{"header map", `headers map[Accept:[*/*] Authorization:[Bearer abc]]`, `headers map[Accept:[*/*] Authorization:[Bearer xxxxx]]`},
		{"header in JSON", `{"Authorization": "Bearer abc"}`, `{"Authorization": "Bearer xxxxx"}`},
		{"proxy header without scheme", `Proxy-Authorization: c2VjcmV0`, `Proxy-Authorization: xxxxx`},
		{"AWS SigV4 header", `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=abc`,
			`Authorization: AWS4-HMAC-SHA256 xxxxx`},
		{"user without password kept out", `GET "https://bob@registry.example/v2/"`, `GET "https://registry.example/v2/"`},
		{"upload location kept", `PUT "http://127.0.0.1:5000/v2/a/blobs/uploads/1?_state=abc&digest=sha256%3A00"`, `PUT "http://127.0.0.1:5000/v2/a/blobs/uploads/1?_state=abc&digest=sha256%3A00"`},
		{"digest reference kept", `oci://r.example/charts/app@sha256:0123`, `oci://r.example/charts/app@sha256:0123`},
		{"e-mail kept", `contact admin@example.com`, `contact admin@example.com`},
		{"API name kept", `not authorized to perform: ecr:GetAuthorizationToken`, `not authorized to perform: ecr:GetAuthorizationToken`},
		{"plain text kept", `manifest unknown`, `manifest unknown`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := String(tt.in); got != tt.want {
				t.Errorf("String:\n got %s\nwant %s", got, tt.want)
			}
			base := errors.New(tt.in)
			err := Error(fmt.Errorf("wrapped: %w", base))
			if !errors.Is(err, base) || err.Error() != "wrapped: "+tt.want {
				t.Errorf("Error = %q (keeps cause: %t)", err, errors.Is(err, base))
			}
		})
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"userinfo", "https://bob:hunter2@r.example/v2/", "https://r.example/v2/"},
		{"token user", "https://tok@r.example/v2/", "https://r.example/v2/"},
		{"presigned", "https://s3.example/b?X-Amz-Signature=abc&x=1", "https://s3.example/b?X-Amz-Signature=xxxxx&x=1"},
		{"clean", "http://127.0.0.1:5000/v2/a/blobs/uploads/1?_state=abc", "http://127.0.0.1:5000/v2/a/blobs/uploads/1?_state=abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got := URL(u)
			if got.String() != tt.want {
				t.Errorf("URL = %s, want %s", got, tt.want)
			}
			if u.String() != tt.in {
				t.Errorf("URL changed its argument to %s", u)
			}
		})
	}
	if URL(nil) != nil {
		t.Error("URL(nil) != nil")
	}
}

func TestErrorUnchanged(t *testing.T) {
	t.Parallel()
	base := errors.New("manifest unknown")
	if got := Error(base); got != base {
		t.Errorf("Error wrapped a clean error: %#v", got)
	}
	if Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
	if strings.Contains(Error(errors.New("https://u:p@h/")).Error(), "p@") {
		t.Error("password kept")
	}
}
