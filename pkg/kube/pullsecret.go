package kube

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/internal/yamlstream"
)

// dockerHubKey is how docker's config.json names Docker Hub.
const dockerHubKey = "https://index.docker.io/v1/"

// PullSecret returns a kubernetes.io/dockerconfigjson Secret with one
// login, for host ("registry.internal:5000"; Docker Hub's names are
// written as docker writes them).
func PullSecret(name, namespace, host, username, password string) (*corev1.Secret, error) {
	if name == "" || host == "" || username == "" || password == "" {
		return nil, errors.New("a pull secret needs a name, a registry, a username and a password")
	}
	key := strings.ToLower(host)
	switch key {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		key = dockerHubKey
	}
	auth := base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
	cfg, err := json.Marshal(map[string]any{"auths": map[string]any{key: map[string]string{"username": username, "password": password, "auth": auth}}})
	if err != nil {
		return nil, err
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: meta(name, namespace),
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: cfg},
	}, nil
}

// ServiceAccount names a service account in a namespace.
type ServiceAccount struct{ Namespace, Name string }

// UsedServiceAccounts returns the service accounts the pods of a manifest
// stream run as: Pods, and the pod templates of workloads (Deployments,
// StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and any object
// with spec.template.spec); "default" where a pod names none; the
// namespace of the object, or namespace where it has none. Sorted, unique.
func UsedServiceAccounts(manifests []byte, namespace string) ([]ServiceAccount, error) {
	var out []ServiceAccount
	for _, d := range yamlstream.Split(manifests) {
		var obj map[string]any
		if err := yaml.Unmarshal(d.Body, &obj); err != nil {
			return nil, fmt.Errorf("line %d: %w", d.Line, err)
		}
		objs := []map[string]any{obj}
		if items, ok := obj["items"].([]any); ok { // a List
			objs = objs[:0]
			for _, it := range items {
				if m, ok := it.(map[string]any); ok {
					objs = append(objs, m)
				}
			}
		}
		for _, o := range objs {
			ns := namespace
			if md, ok := o["metadata"].(map[string]any); ok {
				if s, ok := md["namespace"].(string); ok && s != "" {
					ns = s
				}
			}
			for _, spec := range podSpecs(o) {
				name := "default"
				for _, k := range []string{"serviceAccountName", "serviceAccount"} {
					if s, ok := spec[k].(string); ok && s != "" {
						name = s
						break
					}
				}
				out = append(out, ServiceAccount{Namespace: ns, Name: name})
			}
		}
	}
	slices.SortFunc(out, func(a, b ServiceAccount) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	return slices.Compact(out), nil
}

// podSpecs finds the pod specs of an object.
func podSpecs(obj map[string]any) []map[string]any {
	get := func(m map[string]any, keys ...string) map[string]any {
		for _, k := range keys {
			next, ok := m[k].(map[string]any)
			if !ok {
				return nil
			}
			m = next
		}
		return m
	}
	if kind, _ := obj["kind"].(string); kind == "Pod" {
		if s := get(obj, "spec"); s != nil {
			return []map[string]any{s}
		}
	}
	var out []map[string]any
	for _, p := range [][]string{{"spec", "template", "spec"}, {"spec", "jobTemplate", "spec", "template", "spec"}} {
		if s := get(obj, p...); s != nil {
			if _, ok := s["containers"]; ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// ServiceAccounts returns each service account with secret as its image
// pull secret, ready for kubectl apply (imagePullSecrets is replaced as a
// whole: a service account that has others must list them too).
func ServiceAccounts(accounts []ServiceAccount, secret string) []*corev1.ServiceAccount {
	out := make([]*corev1.ServiceAccount, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, &corev1.ServiceAccount{
			TypeMeta:         metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta:       metav1.ObjectMeta{Name: a.Name, Namespace: a.Namespace},
			ImagePullSecrets: []corev1.LocalObjectReference{{Name: secret}},
		})
	}
	return out
}
