package catalog

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"
	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/reference"
)

//go:embed operators.yaml
var operatorsYAML []byte

// Catalog is the table of operators and their default images.
type Catalog struct {
	Operators []Operator `yaml:"operators"`
}

// Operator is one operator, known by its image repositories.
type Operator struct {
	Name string `yaml:"name"`
	// Repositories are the operator's image repositories without the
	// registry ("cloudnative-pg/cloudnative-pg"); a rendered repository
	// matches when it ends with one (a mirror keeps the path).
	Repositories []string `yaml:"repositories"`
	// Groups are the API groups of the operator's resources.
	Groups   []string  `yaml:"groups"`
	Releases []Release `yaml:"releases"`
}

// Release is what a range of the operator's versions pulls by default.
type Release struct {
	// Versions is a semver constraint: "1.30.0", ">= 0.52.0, <= 0.52.1".
	Versions string `yaml:"versions"`
	// Source is the file the defaults were read from.
	Source Source `yaml:"source"`
	// Images are the default images.
	Images []Image `yaml:"images"`
	// Servers maps a server type to the repository the operator derives a
	// server image from, with the server version as tag (cass-operator).
	Servers map[string]string `yaml:"servers"`
	// Note says what the release does that the table does not model.
	Note string `yaml:"note"`

	constraint *semver.Constraints
}

// Source is a file of an operator's source at a tag.
type Source struct {
	Repo string `yaml:"repo"` // GitHub owner/name
	Ref  string `yaml:"ref"`  // tag
	Path string `yaml:"path"`
}

// URL is the file's address on GitHub.
func (s Source) URL() string {
	return "https://github.com/" + s.Repo + "/blob/" + s.Ref + "/" + s.Path
}

func (s Source) String() string { return s.Repo + "/" + s.Path + "@" + s.Ref }

// Image is one default image of a release.
type Image struct {
	// Image is the reference; "{tag}" stands for the operator image's tag.
	Image string `yaml:"image"`
	// Use says what the operator runs it for.
	Use string `yaml:"use"`
	// For is the resource the default serves; nil when the operator uses
	// it for all of them.
	For *Resource `yaml:"for"`
	// Knobs are the settings that replace the default.
	Knobs []Knob `yaml:"knobs"`
	// Switch, when set, turns the use of the image on or off.
	Switch *Switch `yaml:"switch"`
	// Cite is the file the image was read from when it is not the
	// release's Source.Path (same repository and tag).
	Cite string `yaml:"cite"`
}

// Resource is the kind of resource a default image serves.
type Resource struct {
	Kind string `yaml:"kind"`
	// Field is the field of the resource that replaces the default
	// (spec.imageName), dotted.
	Field string `yaml:"field"`
	// Requires, when set, is a field the resource must have for the image
	// to be used at all (an optional component: spec.stargate).
	Requires string `yaml:"requires"`
	// When are conditions on the resource's fields, all of which must hold.
	When []Condition `yaml:"when"`
}

// Optional reports whether the image is used only for resources that ask
// for the component.
func (r *Resource) Optional() bool { return r != nil && r.Requires != "" }

// Condition is a test of a resource's field: it equals a value or starts
// with a prefix, or (Not) does not.
type Condition struct {
	Field  string `yaml:"field"`
	Equals string `yaml:"equals"`
	Prefix string `yaml:"prefix"`
	Not    bool   `yaml:"not"`
}

// Holds reports whether the condition holds for a field's value ("" when
// the field is unset).
func (c Condition) Holds(value string) bool {
	ok := c.Equals != "" && value == c.Equals || c.Prefix != "" && strings.HasPrefix(value, c.Prefix)
	return ok != c.Not
}

// Knob is an operator setting that replaces a default image.
type Knob struct {
	// Env is an environment variable of the operator's container; with
	// Config, the operator also reads it from its ConfigMap or Secret.
	Env    string `yaml:"env"`
	Config bool   `yaml:"config"`
	// Flag is a command-line flag ("--collector-image").
	Flag string `yaml:"flag"`
	// Base: the setting holds the repository only; the default tag is kept.
	Base bool `yaml:"base"`
	// DigestOnly: the operator honours the setting only for a reference by
	// digest.
	DigestOnly bool `yaml:"digestOnly"`
}

func (k Knob) String() string {
	switch {
	case k.Flag != "":
		return "flag " + k.Flag
	case k.Config:
		return "env or config key " + k.Env
	default:
		return "env " + k.Env
	}
}

// Switch turns the use of a default image on or off: a boolean flag or
// env variable, On when neither is set.
type Switch struct {
	Flag string `yaml:"flag"`
	Env  string `yaml:"env"`
	On   bool   `yaml:"on"`
}

// Reference returns the image for an operator image tag.
func (i Image) Reference(tag string) (reference.Reference, error) {
	return reference.Parse(strings.ReplaceAll(i.Image, "{tag}", tag))
}

// Source returns the file the image was read from.
func (i Image) Source(r Release) Source {
	if i.Cite != "" {
		s := r.Source
		s.Path = i.Cite
		return s
	}
	return r.Source
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the catalog built into airlift. It panics when the
// embedded table is invalid, which its tests rule out.
func Default() *Catalog {
	defaultOnce.Do(func() { defaultCat, defaultErr = Parse(operatorsYAML) })
	if defaultErr != nil {
		panic(defaultErr)
	}
	return defaultCat
}

// ErrInvalid is returned by Parse for a table that does not hold.
var ErrInvalid = errors.New("invalid operator catalog")

// Parse reads a catalog table and checks it: every constraint parses,
// every image parses (with a sample tag), every release cites a source.
func Parse(data []byte) (*Catalog, error) {
	var c Catalog
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	for oi := range c.Operators {
		op := &c.Operators[oi]
		if op.Name == "" || len(op.Repositories) == 0 {
			return nil, fmt.Errorf("%w: operator %d has no name or repositories", ErrInvalid, oi)
		}
		for ri := range op.Releases {
			r := &op.Releases[ri]
			cons, err := semver.NewConstraint(r.Versions)
			if err != nil {
				return nil, fmt.Errorf("%w: %s versions %q: %w", ErrInvalid, op.Name, r.Versions, err)
			}
			r.constraint = cons
			if r.Source.Repo == "" || r.Source.Ref == "" || r.Source.Path == "" {
				return nil, fmt.Errorf("%w: %s %s cites no source file", ErrInvalid, op.Name, r.Versions)
			}
			for _, img := range r.Images {
				if _, err := img.Reference("v0.0.0"); err != nil {
					return nil, fmt.Errorf("%w: %s %s: %w", ErrInvalid, op.Name, r.Versions, err)
				}
			}
		}
	}
	return &c, nil
}

// Match is an operator image found in the catalog.
type Match struct {
	Operator *Operator
	// Release is nil when the operator is known but its version is not
	// covered (or its tag is not a version).
	Release *Release
	// Tag is the operator image's tag.
	Tag string
}

// Lookup finds the operator that runs from image ref, and the release its
// tag falls in.
func (c *Catalog) Lookup(ref reference.Reference) (Match, bool) {
	if c == nil {
		return Match{}, false
	}
	for oi := range c.Operators {
		op := &c.Operators[oi]
		if !op.runsFrom(ref.Repository) {
			continue
		}
		m := Match{Operator: op, Tag: ref.Tag}
		if ref.TagImplied {
			return m, true
		}
		v, err := semver.NewVersion(ref.Tag)
		if err != nil {
			return m, true
		}
		for ri := range op.Releases {
			if op.Releases[ri].constraint.Check(v) {
				m.Release = &op.Releases[ri]
				break
			}
		}
		return m, true
	}
	return Match{}, false
}

// runsFrom reports whether a repository path is one of the operator's.
func (op *Operator) runsFrom(repo string) bool {
	for _, r := range op.Repositories {
		if repo == r || strings.HasSuffix(repo, "/"+r) {
			return true
		}
	}
	return false
}

// HasGroup reports whether an API group is one of the operator's.
func (op *Operator) HasGroup(group string) bool {
	for _, g := range op.Groups {
		if g == group {
			return true
		}
	}
	return false
}
