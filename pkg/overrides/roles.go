package overrides

import (
	"strings"

	"github.com/airlift-cli/airlift/pkg/discover"
)

// Role says what part of an image a values path holds.
type Role int

const (
	// Registry is a registry host, possibly with a path: image.registry,
	// imageRegistry, image.registryOverride.
	Registry Role = iota + 1
	// Repository is a repository path, possibly with the registry in it:
	// image.repository, imageRepository, ingress-nginx's image.image.
	Repository
	// Tag is a tag: image.tag, imageTag. Never changed by a plan.
	Tag
	// Reference is a whole reference in one string ("busybox:1.36",
	// cassandra.versionImageMap entries).
	Reference
	// Slot is an empty image value ({} or "") that the chart fills from
	// its templates unless it is set: k8ssandra's stargate.image.
	Slot
	// Knob is a chart-wide setting, found by what it moves:
	// global.imageRegistry, global.image.repository (with its registry),
	// defaultImageRegistry, global.hub, an operator image configuration's
	// defaults.registry.
	Knob
)

func (r Role) String() string {
	switch r {
	case Registry:
		return "registry"
	case Repository:
		return "repository"
	case Tag:
		return "tag"
	case Reference:
		return "reference"
	case Slot:
		return "slot"
	case Knob:
		return "knob"
	}
	return "unknown"
}

// isImageKey is discovery's rule for a field that holds an image.
func isImageKey(k string) bool { return discover.IsImageField(k) }

// isRegistryKey: registry, imageRegistry, registryOverride, and Istio's hub
// (a registry with a path: docker.io/istio).
func isRegistryKey(k string) bool {
	return k == "registry" || strings.HasSuffix(k, "Registry") || k == "registryOverride" || k == "hub" || strings.HasSuffix(k, "Hub")
}

func isRepositoryKey(k string) bool { return k == "repository" || strings.HasSuffix(k, "Repository") }

func isTagKey(k string, obj bool) bool {
	return k == "tag" && obj || strings.HasSuffix(k, "ImageTag") || k == "imageTag"
}

// imageObject reports whether m looks like an image object: it has a
// registry or repository, or an image or name with a tag or digest.
func imageObject(m map[string]any) bool {
	_, reg := m["registry"]
	_, repo := m["repository"]
	if reg || repo {
		return true
	}
	_, tag := m["tag"]
	_, digest := m["digest"]
	_, sha := m["sha"]
	_, img := m["image"].(string)
	return img && (tag || digest || sha)
}

// hostLike reports whether s starts with a registry host: a first part with
// a dot or a port, or localhost.
func hostLike(s string) bool {
	host, _, _ := strings.Cut(s, "/")
	return host != "" && (strings.ContainsAny(host, ".:") || host == "localhost") && !strings.ContainsAny(s, " \t{}")
}

// stringish returns a scalar as a string: strings as they are, null as "".
// Other values (numbers, booleans, maps, lists) are not strings.
func stringish(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", true
	case string:
		return strings.TrimSpace(t), true
	}
	return "", false
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func lastPart(repo string) string {
	return repo[strings.LastIndexByte(repo, '/')+1:]
}
