// Package discover finds container images in rendered Kubernetes manifests
// and operator configuration. It is pure: bytes in, findings out; it does no
// I/O and knows nothing of Helm.
//
// A Scanner reads YAML or JSON streams (the output of `helm template`, a
// kustomize build, plain files) and finds:
//
//   - the image of every container, init container and ephemeral container,
//     in any kind of object, built-in or custom (pod templates are found by
//     shape, not by kind);
//   - any string field named "image" or ending in "Image" (CassandraDatacenter
//     serverImage, configBuilderImage, systemLoggerImage; Prometheus image);
//   - image objects {registry, repository, name|image, tag, digest|sha}
//     (K8ssandraCluster containerImage, jmxInitContainerImage) and Kubernetes
//     image volumes {reference};
//   - references in container args and command ("--x-image=REF",
//     "--x-image REF", and any "--flag=host/path:tag") and in env values;
//   - YAML and JSON documents inside ConfigMap data, scanned the same way;
//   - cass-operator ImageConfig v1beta1 and v1beta2 (registry and namespace
//     overrides applied), and the Cassandra server image the operator computes
//     for each CassandraDatacenter or K8ssandraCluster datacenter from its
//     serverType and serverVersion;
//   - image lists declared in Chart.yaml annotations (see AddDeclared),
//     reported apart from the deployed images.
//
// Every image keeps its origins: the object (kind, namespace, name), the
// field path (spec.template.spec.initContainers[0].image) and the template
// file from Helm's "# Source:" comment, for people; for programs, the
// [Form] the reference takes there (written out, an image object, changed
// or derived by an operator) and its [Position] in the input: the line, and
// the steps (documents, map keys, list indexes) that lead to its node, into
// documents held by ConfigMap values too. Package rewrite follows them to
// edit the reference in place. A value that stands where an image belongs
// but does not parse is reported as a Warning with its origin.
package discover
