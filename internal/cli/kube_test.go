package cli

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/internal/yamlstream"
)

// decodeStrict decodes a stream into Kubernetes objects by kind, refusing
// unknown fields.
func decodeStrict(t *testing.T, data string) (secrets []corev1.Secret, accounts []corev1.ServiceAccount, jobs []batchv1.Job, maps []corev1.ConfigMap) {
	t.Helper()
	for _, d := range yamlstream.Split([]byte(data)) {
		var head struct{ Kind string }
		_ = yaml.Unmarshal(d.Body, &head)
		var err error
		switch head.Kind {
		case "Secret":
			var s corev1.Secret
			err = yaml.UnmarshalStrict(d.Body, &s)
			secrets = append(secrets, s)
		case "ServiceAccount":
			var s corev1.ServiceAccount
			err = yaml.UnmarshalStrict(d.Body, &s)
			accounts = append(accounts, s)
		case "Job":
			var j batchv1.Job
			err = yaml.UnmarshalStrict(d.Body, &j)
			jobs = append(jobs, j)
		case "ConfigMap":
			var c corev1.ConfigMap
			err = yaml.UnmarshalStrict(d.Body, &c)
			maps = append(maps, c)
		default:
			t.Fatalf("unexpected document:\n%s", d.Body)
		}
		if err != nil {
			t.Fatalf("%s does not decode strictly: %v\n%s", head.Kind, err, d.Body)
		}
	}
	return
}

// TestPullSecret: from the docker config, or a password on stdin; with
// manifests, the service accounts and a secret in each namespace; the
// password only in the secret's data.
func TestPullSecret(t *testing.T) {
	const pass = "cli-s3cret-pw"
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("robot:" + pass))
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`{"auths":{"registry.internal:5000":{"auth":%q}}}`, auth)), 0o600)
	manifests := filepath.Join(dir, "app.yaml")
	os.WriteFile(manifests, []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: shop}\nspec: {template: {spec: {serviceAccountName: api, containers: [{name: a, image: x}]}}}\n"), 0o644)

	code, out, errOut := run(t, "", "pull-secret", "registry.internal:5000", "--name", "regcred", "--docker-config", cfg, "-m", manifests)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	secrets, accounts, _, _ := decodeStrict(t, out)
	if len(secrets) != 2 || secrets[0].Namespace != "default" || secrets[1].Namespace != "shop" || len(accounts) != 1 || accounts[0].Name != "api" {
		t.Errorf("objects: %d secrets, %d accounts:\n%s", len(secrets), len(accounts), out)
	}
	if !strings.Contains(string(secrets[0].Data[corev1.DockerConfigJsonKey]), pass) || strings.Contains(out+errOut, pass) {
		t.Errorf("the password is not (only) in the secret's data")
	}

	code, out, _ = run(t, pass+"\n", "pull-secret", "docker.io", "--name", "hub", "--username", "someone", "--password-stdin")
	secrets, _, _, _ = decodeStrict(t, out)
	if code != 0 || len(secrets) != 1 || !strings.Contains(string(secrets[0].Data[corev1.DockerConfigJsonKey]), "https://index.docker.io/v1/") {
		t.Errorf("exit %d:\n%s", code, out)
	}

	code, _, errOut = run(t, "", "pull-secret", "other.example", "--name", "x", "--docker-config", cfg)
	if code != 1 || !strings.Contains(errOut, "no credentials for other.example in "+cfg) || strings.Contains(errOut, pass) {
		t.Errorf("no credentials: exit %d %s", code, errOut)
	}
}

// TestPrintJob: copy --print-job writes a ConfigMap with the resolved
// image list and an Indexed Job passing the destination flags on; a pod
// reads its shard from JOB_COMPLETION_INDEX.
func TestPrintJob(t *testing.T) {
	code, out, errOut := run(t, "", "copy", "testdata/charts/demo", "--to", "registry.internal/mirror", "--keep-host", "--platform", "linux/amd64",
		"--print-job", "--job-shards", "2", "--job-secret", "regcred", "--job-image", "example.com/airlift:test")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, _, jobs, maps := decodeStrict(t, out)
	if len(jobs) != 1 || len(maps) != 1 {
		t.Fatalf("want a Job and a ConfigMap:\n%s", out)
	}
	args := strings.Join(jobs[0].Spec.Template.Spec.Containers[0].Args, " ")
	for _, want := range []string{"--shard auto/2", "--to=registry.internal/mirror", "--keep-host=true", "--platform=linux/amd64"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	if !strings.Contains(maps[0].Data["images.txt"], "quay.io/demo/app:1.0\n") {
		t.Errorf("images: %q", maps[0].Data["images.txt"])
	}

	t.Setenv("JOB_COMPLETION_INDEX", "1")
	if s, err := shardFromJob("auto/2"); err != nil || s != "2/2" {
		t.Errorf("shardFromJob = %q, %v", s, err)
	}
	t.Setenv("JOB_COMPLETION_INDEX", "")
	if code, _, errOut := run(t, "", "copy", "busybox:1", "--to", "r.example/m", "--shard", "auto/2"); code != 2 || !strings.Contains(errOut, "JOB_COMPLETION_INDEX") {
		t.Errorf("auto shard outside a Job: exit %d %s", code, errOut)
	}
}
