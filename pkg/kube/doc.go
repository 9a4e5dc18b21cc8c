// Package kube makes the Kubernetes objects airlift writes, with the
// k8s.io/api types so that what it writes decodes strictly into them: a
// kubernetes.io/dockerconfigjson pull secret and the service accounts that
// use it ([PullSecret], [ServiceAccounts]), and an Indexed Job that mirrors
// an image list in N pods ([MirrorJob]). [YAML] writes objects as one
// stream, ready for kubectl apply -f -.
package kube
