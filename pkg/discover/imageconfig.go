package discover

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/internal/oneline"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// cass-operator's built-in server image repositories, used by ImageConfig
// v1beta1 when defaults.<type>.repository is not set.
var defaultServerRepository = map[string]string{
	"cassandra": "k8ssandra/cass-management-api",
	"dse":       "datastax/dse-server",
	"hcd":       "datastax/hcd",
}

// imageConfig is a cass-operator ImageConfig (config.k8ssandra.io).
//
// v1beta1 (cass-operator up to v1.30): images.<name> are full references;
// images.{cassandra,dse,hcd} map server versions to references;
// defaults.<type>.{repository,suffix} build "<repository>:<version><suffix>";
// imageRegistry replaces the registry of every image and
// defaults.<name>.imageRegistry that of one component; imageNamespace
// replaces the first path part after the registry ("" removes it).
//
// v1beta2 (v1.31+): images.<name> and types.<type> are objects
// {registry, repository, name, tag, digest, prefix, suffix}; defaults.registry
// and defaults.repository fill what an image leaves empty; overrides.registry
// and overrides.repository replace it in every image.
type imageConfig struct {
	version string // "v1beta1" or "v1beta2"
	origin  Origin // where the config was found (path to its root)
	v1      imageConfigV1
	v2      imageConfigV2
}

type imageConfigV1 struct {
	Images         map[string]yaml.Node           `yaml:"images"`
	ImageRegistry  string                         `yaml:"imageRegistry"`
	ImageNamespace *string                        `yaml:"imageNamespace"`
	Defaults       map[string]imageConfigV1Defaut `yaml:"defaults"`
}

type imageConfigV1Defaut struct {
	Repository    string `yaml:"repository"`
	Suffix        string `yaml:"suffix"`
	ImageRegistry string `yaml:"imageRegistry"`
}

type imageConfigV2 struct {
	Images   map[string]imageV2 `yaml:"images"`
	Defaults struct {
		Registry   *string `yaml:"registry"`
		Repository *string `yaml:"repository"`
	} `yaml:"defaults"`
	Overrides *struct {
		Registry   *string `yaml:"registry"`
		Repository *string `yaml:"repository"`
	} `yaml:"overrides"`
	Types map[string]imageV2 `yaml:"types"`
}

type imageV2 struct {
	Registry   string `yaml:"registry"`
	Repository string `yaml:"repository"`
	Name       string `yaml:"name"`
	Tag        string `yaml:"tag"`
	Digest     string `yaml:"digest"`
	Prefix     string `yaml:"prefix"`
	Suffix     string `yaml:"suffix"`
}

// imageConfig scans a cass-operator ImageConfig: every image it names, with
// its overrides applied, and keeps it to derive server images later.
func (w *walker) imageConfig(m *yaml.Node) {
	cfg := &imageConfig{version: strings.TrimPrefix(str(get(m, "apiVersion")), "config.k8ssandra.io/")}
	cfg.origin = w.origin(m)
	var err error
	if cfg.version == "v1beta2" {
		err = m.Decode(&cfg.v2)
	} else {
		err = m.Decode(&cfg.v1)
	}
	if err != nil {
		o := cfg.origin
		w.s.warn("", "ImageConfig not understood: "+oneline.Flatten(err.Error()), o)
		return
	}
	w.s.configs = append(w.s.configs, cfg)
	w.s.configsFound = append(w.s.configsFound, ImageConfig{Version: cfg.version, Origin: cfg.origin})
	if cfg.version == "v1beta2" {
		w.imageConfigV2(cfg, m)
		return
	}
	w.imageConfigV1(cfg)
}

// imageConfigV1 records the images of a v1beta1 ImageConfig: strings,
// written where they are found, with the overrides applied.
func (w *walker) imageConfigV1(cfg *imageConfig) {
	for _, name := range sortedKeys(cfg.v1.Images) {
		n := cfg.v1.Images[name]
		if misplacedSetting(name) {
			// imagePullPolicy and the like indented under images by a
			// chart template: cass-operator ignores them, and so do we.
			continue
		}
		switch n.Kind {
		case yaml.ScalarNode:
			w.configImage(cfg, cfg.v1.apply(name, n.Value), n.Value, &n, "", "images", name)
		case yaml.MappingNode: // server version -> image
			for i := 0; i+1 < len(n.Content); i += 2 {
				version, img := n.Content[i].Value, n.Content[i+1]
				w.configImage(cfg, cfg.v1.apply(name, img.Value), img.Value, img, version, "images", name, version)
			}
		}
	}
}

// imageConfigV2 records the images of a v1beta2 ImageConfig m: objects,
// merged with the defaults and overrides.
func (w *walker) imageConfigV2(cfg *imageConfig, m *yaml.Node) {
	for _, name := range sortedKeys(cfg.v2.Images) {
		img := cfg.v2.merge(cfg.v2.Images[name])
		n := path(m, "images", name)
		if img.Name == "" {
			w.push(keyStep("images"), keyStep(name))
			w.s.warn("", "ImageConfig image has no name", w.origin(n))
			w.pop(2)
			continue
		}
		w.configImage(cfg, img.String(), "", n, "", "images", name)
	}
}

// misplacedSetting reports whether a key under images is one of the
// ImageConfig's own settings (imagePullPolicy, imagePullSecret, ...).
func misplacedSetting(key string) bool {
	return strings.HasPrefix(key, "image")
}

// configImage records an image named by an ImageConfig at node n, under
// the given keys: a string written there (v1beta1), changed by the
// overrides when ref differs from it, or an object (v1beta2, written "");
// version is the server version of an images.<server type> entry.
func (w *walker) configImage(cfg *imageConfig, ref, written string, n *yaml.Node, version string, keys ...string) {
	for _, k := range keys {
		w.push(keyStep(k))
	}
	form, via := Written, "cass-operator ImageConfig "+cfg.version
	switch {
	case written == "":
		form = ImageObject
	case ref != written:
		form = Overridden
		via += fmt.Sprintf(": %q with registry/namespace overrides", written)
	}
	if strings.TrimSpace(ref) != "" {
		o := w.origin(n)
		o.Form, o.Via, o.Version = form, via, version
		w.record(ref, o)
	}
	w.pop(len(keys))
}

// apply applies imageRegistry (global or per component) and imageNamespace.
func (c imageConfigV1) apply(component, image string) string {
	registry := c.ImageRegistry
	if d, ok := c.Defaults[component]; ok && d.ImageRegistry != "" {
		registry = d.ImageRegistry
	}
	host, rest := "", image
	if first, after, ok := strings.Cut(image, "/"); ok && strings.ContainsAny(first, ".:") {
		host, rest = first, after
	}
	if registry = strings.TrimSuffix(registry, "/"); registry != "" {
		host = registry
	}
	if c.ImageNamespace != nil {
		parts := strings.Split(rest, "/")
		switch ns := *c.ImageNamespace; {
		case len(parts) > 1 && ns == "":
			parts = parts[1:]
		case len(parts) > 1:
			parts[0] = ns
		case ns != "":
			parts = append([]string{ns}, parts...)
		}
		rest = strings.Join(parts, "/")
	}
	if host == "" {
		return rest
	}
	return host + "/" + rest
}

// serverImage is the image cass-operator runs for a server type and version;
// builtin, when set, are the repositories of the cass-operator release in
// the input (read from where builtinFrom says) instead of the built-in map.
func (c *imageConfig) serverImage(serverType, version string, builtin map[string]string, builtinFrom string) (string, string, error) {
	if c.version == "v1beta2" {
		t, ok := c.v2.Types[serverType]
		if !ok {
			return "", "", fmt.Errorf("ImageConfig has no types.%s", serverType)
		}
		t.Tag = t.Prefix + version + t.Suffix
		return c.v2.merge(t).String(), "types." + serverType, nil
	}
	if n, ok := c.v1.Images[serverType]; ok && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == version {
				return c.v1.apply(serverType, n.Content[i+1].Value), "images." + serverType, nil
			}
		}
	}
	repo, suffix, from := defaultServerRepository[serverType], "", "built-in default"
	if builtin != nil {
		repo, from = builtin[serverType], "the built-in repository of "+builtinFrom
	}
	if d, ok := c.v1.Defaults[serverType]; ok && d.Repository != "" {
		repo, suffix, from = d.Repository, d.Suffix, "defaults."+serverType
	}
	if repo == "" {
		return "", "", fmt.Errorf("ImageConfig has no defaults.%s.repository", serverType)
	}
	return c.v1.apply(serverType, repo+":"+version+suffix), from, nil
}

// merge fills an image from defaults and applies overrides.
func (c imageConfigV2) merge(img imageV2) imageV2 {
	if img.Registry == "" && c.Defaults.Registry != nil {
		img.Registry = *c.Defaults.Registry
	}
	if img.Repository == "" && c.Defaults.Repository != nil {
		img.Repository = *c.Defaults.Repository
	}
	if c.Overrides != nil {
		if c.Overrides.Repository != nil {
			img.Repository = *c.Overrides.Repository
		}
		if c.Overrides.Registry != nil {
			img.Registry = *c.Overrides.Registry
		}
	}
	return img
}

func (i imageV2) String() string {
	var parts []string
	for _, p := range []string{i.Registry, i.Repository, i.Name} {
		if p = strings.Trim(p, "/"); p != "" {
			parts = append(parts, p)
		}
	}
	s := strings.Join(parts, "/")
	if i.Tag != "" {
		s += ":" + i.Tag
	}
	if i.Digest != "" {
		s += "@" + i.Digest
	}
	return s
}

// serverRequest is a datacenter whose server image the operator derives.
type serverRequest struct {
	serverType, version string
	origin              Origin
	layer               string // for a K8ssandraCluster datacenter: why the ImageConfig decides
}

// cassandraDatacenter notes a CassandraDatacenter without serverImage.
func (w *walker) cassandraDatacenter(m *yaml.Node) {
	spec := get(m, "spec")
	if str(get(spec, "serverImage")) != "" {
		return
	}
	at := firstNode(get(spec, "serverVersion"), spec, m)
	w.serverRequest(str(get(spec, "serverType")), str(get(spec, "serverVersion")), at, keyStep("spec"), keyStep("serverVersion"))
}

// k8ssandraCluster notes each datacenter without a server image; the
// datacenter's settings take precedence over the cluster's.
func (w *walker) k8ssandraCluster(m *yaml.Node) {
	cass := path(m, "spec", "cassandra")
	if cass == nil {
		return
	}
	image, version, typ := str(get(cass, "serverImage")), str(get(cass, "serverVersion")), str(get(cass, "serverType"))
	dcs := get(cass, "datacenters")
	if dcs == nil || dcs.Kind != yaml.SequenceNode || len(dcs.Content) == 0 {
		if image == "" {
			w.serverRequest(typ, version, cass, keyStep("spec"), keyStep("cassandra"))
		}
		return
	}
	for i, dc := range dcs.Content {
		dc = resolve(dc)
		if firstNonEmpty(str(get(dc, "serverImage")), image) != "" {
			continue
		}
		w.serverRequest(firstNonEmpty(str(get(dc, "serverType")), typ),
			firstNonEmpty(str(get(dc, "serverVersion")), version),
			dc, keyStep("spec"), keyStep("cassandra"), keyStep("datacenters"), indexStep(i))
		if n := len(w.s.servers); n > 0 && w.s.servers[n-1].origin.At.steps == w.originSteps(keyStep("spec"), keyStep("cassandra"), keyStep("datacenters"), indexStep(i)) {
			name := firstNonEmpty(str(path(dc, "metadata", "name")), fmt.Sprintf("#%d", i))
			w.s.servers[n-1].layer = fmt.Sprintf("%s: no serverImage at datacenter %s nor at cluster level (%s)", LayerImageConfig, name, precedence)
		}
	}
}

// serverRequest notes a datacenter whose server image the operator
// derives, at node n under the given steps.
func (w *walker) serverRequest(serverType, version string, n *yaml.Node, steps ...Step) {
	w.push(steps...)
	o := w.origin(n)
	w.pop(len(steps))
	if version == "" {
		w.s.warn("", "no serverImage and no serverVersion: the operator cannot choose a server image", o)
		return
	}
	w.s.servers = append(w.s.servers, serverRequest{serverType: firstNonEmpty(serverType, "cassandra"), version: version, origin: o})
}

// resolve derives the server image from every ImageConfig seen, or warns
// that none was.
func (r serverRequest) resolve(configs []*imageConfig, images imageSet, warnings []Warning, builtin map[string]string, builtinFrom string) []Warning {
	if len(configs) == 0 {
		return append(warnings, Warning{Origin: r.origin, Value: r.version, Message: fmt.Sprintf(
			"no serverImage: cass-operator derives it from serverType %s and serverVersion %s through its ImageConfig, "+
				"which is not in the input; include it (the cass-operator ConfigMap or image_config.yaml) to resolve the image",
			r.serverType, r.version)})
	}
	for _, c := range configs {
		s, from, err := c.serverImage(r.serverType, r.version, builtin, builtinFrom)
		if err == nil {
			var ref reference.Reference
			if ref, err = reference.Parse(s); err == nil {
				o := r.origin
				o.Form = Derived
				at := c.origin
				at.File = ""
				where := at.String()
				if c.origin.File != "" && c.origin.File != o.File {
					where += " in " + c.origin.File // several inputs may hold one of that name
				}
				o.Via = fmt.Sprintf("derived by cass-operator for %s %s from %s of ImageConfig %s %s",
					r.serverType, r.version, from, c.version, where)
				if r.layer != "" {
					o.Via = r.layer + "; " + o.Via
				}
				images.add(ref, o)
				continue
			}
		}
		warnings = append(warnings, Warning{Origin: r.origin, Value: r.version, Message: "server image: " + err.Error()})
	}
	return warnings
}

// firstNode returns the first node that is not nil.
func firstNode(nodes ...*yaml.Node) *yaml.Node {
	for _, n := range nodes {
		if n != nil {
			return n
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
