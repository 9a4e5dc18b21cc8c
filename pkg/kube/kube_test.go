package kube

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/internal/yamlstream"
)

// strict decodes each document of a stream into the next target,
// refusing unknown fields.
func strict(t *testing.T, data []byte, targets ...any) {
	t.Helper()
	docs := yamlstream.Split(data)
	if len(docs) != len(targets) {
		t.Fatalf("%d documents, want %d:\n%s", len(docs), len(targets), data)
	}
	for i, d := range docs {
		if err := yaml.UnmarshalStrict(d.Body, targets[i]); err != nil {
			t.Fatalf("document %d does not decode strictly: %v\n%s", i, err, d.Body)
		}
	}
}

func TestPullSecret(t *testing.T) {
	t.Parallel()
	tests := []struct{ host, wantKey string }{
		{"registry.internal:5000", "registry.internal:5000"},
		{"docker.io", "https://index.docker.io/v1/"},
		{"Registry.Example", "registry.example"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			s, err := PullSecret("regcred", "shop", tt.host, "robot", "p4ss-w0rd")
			if err != nil {
				t.Fatal(err)
			}
			data, _ := YAML(s)
			var back corev1.Secret
			strict(t, data, &back)
			if back.Type != corev1.SecretTypeDockerConfigJson || back.Namespace != "shop" {
				t.Errorf("secret %+v", back)
			}
			var cfg struct {
				Auths map[string]struct{ Username, Password, Auth string }
			}
			if err := json.Unmarshal(back.Data[corev1.DockerConfigJsonKey], &cfg); err != nil {
				t.Fatal(err)
			}
			a := cfg.Auths[tt.wantKey]
			if a.Username != "robot" || a.Password != "p4ss-w0rd" || a.Auth != base64.StdEncoding.EncodeToString([]byte("robot:p4ss-w0rd")) {
				t.Errorf("auths: %+v", cfg.Auths)
			}
			if bytes.Contains(data, []byte("p4ss-w0rd")) {
				t.Error("the password is in the YAML outside the secret's (base64) data")
			}
		})
	}
	if _, err := PullSecret("x", "", "r.example", "", ""); err == nil {
		t.Error("a secret without credentials")
	}
}

func TestUsedServiceAccounts(t *testing.T) {
	t.Parallel()
	manifests := []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec: {template: {spec: {serviceAccountName: api, containers: [{name: a, image: x}]}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: b, image: y}]}}}}}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec: {serviceAccount: legacy, containers: [{name: c, image: z}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {a: b}
---
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db, namespace: data}
    spec: {template: {spec: {containers: [{name: d, image: w}]}}}
`)
	got, err := UsedServiceAccounts(manifests, "default")
	if err != nil {
		t.Fatal(err)
	}
	want := []ServiceAccount{{"data", "default"}, {"default", "default"}, {"shop", "api"}, {"shop", "legacy"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
		}
	}
	data, _ := YAML(ServiceAccounts(got, "regcred")[0])
	var sa corev1.ServiceAccount
	strict(t, data, &sa)
	if sa.ImagePullSecrets[0].Name != "regcred" || sa.Namespace != "data" {
		t.Errorf("service account %+v", sa)
	}
}

func TestMirrorJob(t *testing.T) {
	t.Parallel()
	cm, job, err := MirrorJob(JobSpec{Name: "mirror", Namespace: "ops", Image: "ghcr.io/airlift-cli/airlift:v1.0.0",
		Images: []string{"quay.io/a/b:1", "docker.io/library/busybox:1.36"}, Shards: 3,
		Args: []string{"--to=registry.internal/mirror"}, DockerSecret: "regcred"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := YAML(cm, job)
	if err != nil {
		t.Fatal(err)
	}
	var gotCM corev1.ConfigMap
	var gotJob batchv1.Job
	strict(t, data, &gotCM, &gotJob)
	spec := gotJob.Spec
	if *spec.Completions != 3 || *spec.Parallelism != 3 || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("job spec %+v", spec)
	}
	c := spec.Template.Spec.Containers[0]
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"copy --images /etc/airlift/list/images.txt --shard auto/3", "--to=registry.internal/mirror"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	if gotCM.Data["images.txt"] != "quay.io/a/b:1\ndocker.io/library/busybox:1.36\n" || gotCM.Name != "mirror-images" {
		t.Errorf("configmap %+v", gotCM)
	}
	if c.Env[0].Name != "DOCKER_CONFIG" || spec.Template.Spec.Volumes[1].Secret.SecretName != "regcred" {
		t.Errorf("credentials not mounted: %+v %+v", c.Env, spec.Template.Spec.Volumes)
	}
	for _, bad := range []JobSpec{{Name: "x", Image: "i", Shards: 0, Images: []string{"a"}}, {Name: "x", Image: "i", Shards: 1}} {
		if _, _, err := MirrorJob(bad); err == nil {
			t.Errorf("MirrorJob(%+v) succeeded", bad)
		}
	}
}
