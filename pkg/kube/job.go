package kube

import (
	"errors"
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// JobSpec describes a mirror run as an Indexed Job.
type JobSpec struct {
	// Name names the Job, and its ConfigMap (NAME-images).
	Name, Namespace string
	// Image is the airlift image the pods run.
	Image string
	// Images are the references to copy, one per line in the ConfigMap.
	Images []string
	// Shards is the number of pods (completions and parallelism); each
	// copies its share (--shard auto/N reads JOB_COMPLETION_INDEX).
	Shards int
	// Args are the copy's other arguments: --to, layout, engine flags.
	Args []string
	// DockerSecret is a kubernetes.io/dockerconfigjson Secret with the
	// registries' credentials, mounted as the pods' docker config; "" =
	// none.
	DockerSecret string
}

// Paths inside the pods.
const (
	jobConfigDir = "/etc/airlift"
	jobDockerDir = "/etc/airlift/docker"
)

// MirrorJob returns the ConfigMap with the image list and the Indexed Job
// that copies it in Shards pods. Re-running the Job resumes: what is in
// the target already costs one request per image.
func MirrorJob(s JobSpec) (*corev1.ConfigMap, *batchv1.Job, error) {
	switch {
	case s.Name == "" || s.Image == "":
		return nil, nil, errors.New("a mirror job needs a name and an image")
	case s.Shards < 1 || s.Shards > 1000:
		return nil, nil, fmt.Errorf("a mirror job needs 1 to 1000 shards, not %d", s.Shards)
	case len(s.Images) == 0:
		return nil, nil, errors.New("a mirror job needs images")
	}
	cmName := s.Name + "-images"
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(cmName, s.Namespace),
		Data:       map[string]string{"images.txt": strings.Join(s.Images, "\n") + "\n"},
	}
	n := int32(s.Shards)
	args := append([]string{"copy", "--images", jobConfigDir + "/list/images.txt", "--shard", fmt.Sprintf("auto/%d", s.Shards), "--no-progress", "--blob-index", ""}, s.Args...)
	falseV, trueV := false, true
	uid := int64(65532)
	container := corev1.Container{
		Name:  "airlift",
		Image: s.Image,
		Args:  args,
		VolumeMounts: []corev1.VolumeMount{
			{Name: "images", MountPath: jobConfigDir + "/list", ReadOnly: true},
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: &falseV,
			ReadOnlyRootFilesystem:   &trueV,
			RunAsNonRoot:             &trueV,
			RunAsUser:                &uid,
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
	volumes := []corev1.Volume{{Name: "images", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: cmName}}}}}
	if s.DockerSecret != "" {
		container.Env = append(container.Env, corev1.EnvVar{Name: "DOCKER_CONFIG", Value: jobDockerDir})
		container.VolumeMounts = append(container.VolumeMounts, corev1.VolumeMount{Name: "docker", MountPath: jobDockerDir, ReadOnly: true})
		volumes = append(volumes, corev1.Volume{Name: "docker", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: s.DockerSecret,
			Items:      []corev1.KeyToPath{{Key: corev1.DockerConfigJsonKey, Path: "config.json"}},
		}}})
	}
	mode := batchv1.IndexedCompletion
	perIndex := int32(3)
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: meta(s.Name, s.Namespace),
		Spec: batchv1.JobSpec{
			CompletionMode:       &mode,
			Completions:          &n,
			Parallelism:          &n,
			BackoffLimitPerIndex: &perIndex,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app.kubernetes.io/name": "airlift", "app.kubernetes.io/instance": s.Name}},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{container},
					Volumes:       volumes,
				},
			},
		},
	}
	return cm, job, nil
}

func meta(name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{"app.kubernetes.io/managed-by": "airlift"}}
}
