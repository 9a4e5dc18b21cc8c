package discover

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// Origin says where an image reference was found.
type Origin struct {
	// File is the template file from Helm's "# Source:" comment, or the
	// name of the file the stream was read from.
	File string `json:"file,omitempty"`
	// APIVersion, Kind, Namespace and Name identify the object.
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
	// Path is the field path inside the object, for example
	// spec.template.spec.initContainers[0].image. For documents embedded
	// in a ConfigMap it continues inside the embedded document:
	// data["image_config.yaml"].images.system-logger.
	Path string `json:"path,omitempty"`
	// Via says how the image was derived when it is not written out in
	// full at Path (an operator default, a registry override, a chart
	// annotation).
	Via string `json:"via,omitempty"`
	// Form says how the reference stands at Path, for programs: Via says
	// it for people.
	Form Form `json:"-"`
	// At locates the value at Path in the input stream: its line and the
	// steps to its node. Zero for declared images.
	At Position `json:"-"`
	// Version is, for an entry of a version map (a KEY=IMAGE line, a map
	// of versions to references, an ImageConfig's images.<server type>),
	// the version it is chosen for: the map keeps choosing by version
	// when the entry is rewritten in place. "" otherwise.
	Version string `json:"-"`
	// Part locates, for a Composed reference, the value that holds its
	// registry (global.hub): what a rewrite changes. Zero otherwise.
	Part Position `json:"-"`
	// Setting is, for an OperatorDefault, the operator setting that points
	// it elsewhere and that a manifest can carry (an env variable or a flag
	// of the operator's container); zero when there is none.
	Setting Setting `json:"-"`
}

// Setting is an operator setting: an env variable or a command-line flag
// of its container.
type Setting struct {
	Env, Flag string
}

// IsZero reports whether s names no setting.
func (s Setting) IsZero() bool { return s == Setting{} }

func (s Setting) String() string {
	if s.Flag != "" {
		return "flag " + s.Flag
	}
	if s.Env != "" {
		return "env " + s.Env
	}
	return ""
}

// Form says how an image reference stands where it was found.
type Form uint8

const (
	// Written: the reference is written out at Path, as the whole value or
	// as one word of it (a container arg, a --flag=value, an env value).
	Written Form = iota
	// ImageObject: the reference is put together from the fields of the
	// object at Path: {registry, repository, name|image, tag, digest|sha}.
	ImageObject
	// Overridden: a reference is written at Path, but the operator that
	// reads it changes it (cass-operator's ImageConfig imageRegistry and
	// imageNamespace); the image found is the one the operator runs.
	Overridden
	// Derived: the reference is written nowhere: an operator derives it
	// (cass-operator's server image, from serverType and serverVersion at
	// Path and its ImageConfig).
	Derived
	// Declared: the reference is listed in a chart annotation.
	Declared
	// Composed: the reference is put together from parts at different
	// places of a values blob: an image name at Path, its registry (Part)
	// and tag at the same or an enclosing level (Istio's global.hub +
	// global.proxy.image + global.tag).
	Composed
	// OperatorDefault: the reference is written nowhere: an operator
	// running at Path (its container) pulls it by default, compiled into
	// its binary (see package catalog). Via cites the source.
	OperatorDefault
)

var formNames = [...]string{"written", "image object", "overridden", "derived", "declared", "composed", "operator default"}

func (f Form) String() string {
	if int(f) < len(formNames) {
		return formNames[f]
	}
	return fmt.Sprintf("Form(%d)", f)
}

// Object returns "Kind/name" or "Kind namespace/name".
func (o Origin) Object() string {
	switch {
	case o.Kind == "" && o.Name == "":
		return ""
	case o.Namespace != "":
		return o.Kind + " " + o.Namespace + "/" + o.Name
	default:
		return o.Kind + "/" + o.Name
	}
}

// String formats the origin on one line: file: Kind/name path (via).
func (o Origin) String() string {
	var b strings.Builder
	if o.File != "" {
		b.WriteString(o.File)
		b.WriteString(": ")
	}
	if obj := o.Object(); obj != "" {
		b.WriteString(obj)
		b.WriteString(" ")
	}
	b.WriteString(o.Path)
	if o.Via != "" {
		fmt.Fprintf(&b, " (%s)", o.Via)
	}
	return strings.TrimSpace(b.String())
}

// Image is one image with every place it was found.
type Image struct {
	Ref     reference.Reference `json:"-"`
	Origins []Origin            `json:"origins"`
}

// String returns the normalised reference.
func (i Image) String() string { return i.Ref.String() }

// Warning is a value that stands where an image belongs but is not a valid
// reference, or a reference that cannot be resolved from the input alone.
type Warning struct {
	Value   string `json:"value"`
	Message string `json:"message"`
	Origin  Origin `json:"origin"`
}

// String formats the warning on one line.
func (w Warning) String() string {
	return fmt.Sprintf("%s: %s", w.Origin, w.Message)
}

// Result is what a Scanner found.
type Result struct {
	// Images the workload will run, sorted by reference, unique.
	Images []Image
	// Declared images listed in chart annotations, sorted, unique. They may
	// include images of components that are not enabled.
	Declared []Image
	// Warnings in the order they were met.
	Warnings []Warning
	// Notes are worth knowing but not wrong: an operator the catalog knows
	// in a version it does not cover.
	Notes []Warning
	// ImageConfigs are the cass-operator ImageConfigs found, in the order
	// met: where their settings are, for a rewrite that moves the images
	// they name (and those derived from them) by their registry settings.
	ImageConfigs []ImageConfig
}

// ImageConfig is a cass-operator ImageConfig found in the input.
type ImageConfig struct {
	// Version is "v1beta1" or "v1beta2".
	Version string
	// Origin locates the ImageConfig's root mapping (At), in a ConfigMap
	// value or as a document of its own.
	Origin Origin
}

// Find returns the image with the given reference (in any form Parse
// accepts) from Images or Declared.
func (r *Result) Find(ref string) (Image, bool) {
	want, err := reference.Parse(ref)
	if err != nil {
		return Image{}, false
	}
	for _, list := range [][]Image{r.Images, r.Declared} {
		for _, img := range list {
			if img.Ref.String() == want.String() {
				return img, true
			}
		}
	}
	return Image{}, false
}

// Refs returns the normalised references of Images.
func (r *Result) Refs() []string {
	out := make([]string, len(r.Images))
	for i, img := range r.Images {
		out[i] = img.Ref.String()
	}
	return out
}

// imageSet accumulates images keyed by normalised reference.
type imageSet map[string]*Image

func (s imageSet) add(ref reference.Reference, o Origin) {
	key := ref.String()
	img, ok := s[key]
	if !ok {
		img = &Image{Ref: ref}
		s[key] = img
	}
	if !slices.Contains(img.Origins, o) {
		img.Origins = append(img.Origins, o)
	}
}

func (s imageSet) sorted() []Image {
	out := make([]Image, 0, len(s))
	for _, img := range s {
		out = append(out, *img)
	}
	slices.SortFunc(out, func(a, b Image) int { return cmp.Compare(a.Ref.String(), b.Ref.String()) })
	return out
}
