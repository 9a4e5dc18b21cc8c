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
//   - any string field named "image" or ending in "Image", "_image" or
//     "-image" (CassandraDatacenter serverImage, configBuilderImage; Prometheus
//     image; Zalando's OperatorConfiguration docker_image);
//   - image objects {registry, repository, name|image, tag, digest|sha}
//     (K8ssandraCluster containerImage, jmxInitContainerImage) and Kubernetes
//     image volumes {reference};
//   - references in container args and command ("--x-image=REF",
//     "--x-image REF", and any "--flag=host/path:tag") and in env values;
//   - env images in parts an operator joins, matched by the variables'
//     names: a repository and a version (FOO_IMAGE_REPOSITORY or a tagless
//     FOO_IMAGE + FOO_VERSION or FOO_TAG, or the version of a shorter
//     prefix: MONGODB_ENTERPRISE_DATABASE_IMAGE + DATABASE_VERSION), or a
//     registry, a bare name and a version (FOO_REPO_URL + FOO_NAME +
//     FOO_VERSION); a repository or a bare name whose version the operator
//     takes elsewhere (a resource) is a warning, not an image;
//   - version maps, an operator's image per product version: KEY=IMAGE
//     lines in an env value or a ConfigMap entry (Strimzi's
//     STRIMZI_KAFKA_IMAGES), or the same as a YAML or JSON map, each entry
//     with its key in the origin ("env X, entry 4.2.0");
//   - YAML and JSON documents inside ConfigMap data and Secret stringData,
//     scanned the same way, with strings in them that are unmistakably
//     images;
//   - composed references in such documents (values blobs): a bare image
//     name under an image key, joined to a registry (hub, registry,
//     imageRegistry) and a tag found at its level, an enclosing one or under
//     the blob's global (Istio's global.hub + global.proxy.image +
//     global.tag); a bare name without them is not an image by itself;
//   - text that is not YAML (templates, scripts, TOML, ini, properties
//     files), line by line: image keys and flags with a literal value, and
//     values that are unmistakably images; template actions, schemas, docs
//     and PromQL stay silent;
//   - the images an operator pulls by default, compiled into it (package
//     catalog): reported on the operator's container, citing the source,
//     unless its settings (flags, env, config keys) replace them or every
//     resource of the input that they serve names its own image;
//   - cass-operator ImageConfig v1beta1 and v1beta2 (registry and namespace
//     overrides applied), and the Cassandra server image the operator computes
//     for each CassandraDatacenter or K8ssandraCluster datacenter from its
//     serverType and serverVersion; for a K8ssandraCluster, the layer that
//     decides each datacenter's server and Stargate image (datacenter level,
//     cluster level, ImageConfig default, in k8ssandra-operator's precedence)
//     is said in the origin, and Result.ImageConfigs locates each ImageConfig
//     for a rewrite that moves it by its registry settings;
//   - image lists declared in Chart.yaml annotations (see AddDeclared),
//     reported apart from the deployed images.
//
// Every image keeps its origins: the object (kind, namespace, name), the
// field path (spec.template.spec.initContainers[0].image) and the template
// file from Helm's "# Source:" comment, for people; for programs, the
// [Form] the reference takes there (written out, an image object, changed,
// derived or composed, or an operator default) and its [Position] in the
// input: the line, and the steps (documents, map keys, list indexes, lines
// of a text) that lead to its node, into documents held by ConfigMap values
// too. Package rewrite follows them to edit the reference in place. A value
// that stands where an image belongs but does not parse is reported as a
// Warning with its origin; things worth knowing that are not wrong (an
// operator version the catalog does not cover) are Notes.
package discover
