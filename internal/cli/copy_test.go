package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/internal/testimage"
	"github.com/airlift-cli/airlift/internal/testregistry"
)

// TestCopyChartValuesFromStdin: values given as -f - are still there when
// the copy renders the chart (the temporary file used to be removed
// before).
func TestCopyChartValuesFromStdin(t *testing.T) {
	src, dst := testregistry.Start(t), testregistry.Start(t)
	img, err := testimage.Push(context.Background(), src.Host, testimage.Spec{Repository: "team/one", Tag: "1", Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "image: "+src.Host+"/team/one:1\n", "copy", "testdata/charts/one", "-f", "-", "--to", dst.Host+"/m", "--no-progress")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "1 images: 1 copied") {
		t.Errorf("summary: %s", stderr)
	}
	repo, _ := testimage.Repository(dst.Host, "m/team/one")
	if d, err := repo.Resolve(context.Background(), "1"); err != nil || d.Digest != img.Index.Digest {
		t.Errorf("target: %v %v, want %s", d.Digest, err, img.Index.Digest)
	}
}

// TestReadImageList: a byte-order mark some editors write is skipped,
// comments and blank lines too; a bad line is named by file and line.
func TestReadImageList(t *testing.T) {
	tests := []struct {
		name, content string
		want          []string
		wantErr       string
	}{
		{name: "byte-order mark", content: "\ufeffbusybox:1.36\nquay.io/a/b:1 # pinned\n\n", want: []string{"busybox:1.36", "quay.io/a/b:1"}},
		{name: "bad line", content: "busybox:1.36\nUPPER:case\n", wantErr: "list:2: invalid image reference"},
		{name: "only comments", content: "# none\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readImageList("-", strings.NewReader(tt.content))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(strings.Replace(err.Error(), "-:", "list:", 1), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("readImageList = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestCopyCAFile: --ca-file applies to image registries: a target on this
// machine's network address, with a certificate from a private CA, is
// refused without it (with the flags that would help) and reached with it.
// (Before, --ca-file was taken and ignored for images: "x509: certificate
// signed by unknown authority".)
func TestCopyCAFile(t *testing.T) {
	ip := testregistry.HostIP()
	if ip == "" {
		t.Skip("this machine has no network address besides loopback")
	}
	src, dst := testregistry.Start(t), testregistry.Start(t, testregistry.WithPrivateCA(ip))
	if _, err := testimage.Push(context.Background(), src.Host, testimage.Spec{Repository: "team/one", Tag: "1", Seed: 9}); err != nil {
		t.Fatal(err)
	}
	args := []string{"copy", src.Host + "/team/one:1", "--to", dst.Host + "/m", "--no-progress", "--retries", "1", "--blob-index", ""}
	code, _, stderr := run(t, "", args...)
	if code != 1 || !strings.Contains(stderr, "certificate is not trusted") || !strings.Contains(stderr, "trust its CA with --ca-file FILE, or skip verification with --insecure-registry "+dst.Host) {
		t.Errorf("without --ca-file: exit %d\n%s", code, stderr)
	}
	code, _, stderr = run(t, "", append(args, "--ca-file", dst.CAFile)...)
	if code != 0 {
		t.Fatalf("with --ca-file: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "1 images: 1 copied") {
		t.Errorf("summary: %s", stderr)
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "50GiB", want: 50 << 30},
		{in: "500MB", want: 500e6},
		{in: "1073741824", want: 1 << 30},
		{in: "2 TiB", want: 2 << 40},
		{in: "4G", want: 4e9},
		{in: "700Mi", want: 700 << 20},
		{in: "-1", want: -1},
		{in: "0", wantErr: true},
		{in: "-5GB", wantErr: true},
		{in: "lots", wantErr: true},
		{in: "9999999TiB", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseSize(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("parseSize(%q) = %d, %v; want %d, error %t", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestHarborFlagsChecked: bad Harbor flags are usage errors before any
// work.
func TestHarborFlagsChecked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "detection", args: []string{"--harbor", "maybe"}, want: `--harbor "maybe": want auto, on or off`},
		{name: "quota", args: []string{"--harbor-storage-limit", "big"}, want: "--harbor-storage-limit: \"big\" is not a size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"copy", "busybox:1.36", "--to", "127.0.0.1:1/m"}, tt.args...)
			code, _, stderr := run(t, "", args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want usage error %q", code, stderr, tt.want)
			}
		})
	}
}
