package discover

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Operators that take their images from env often take them in parts: a
// repository and a version in two variables, the operator joining them
// (MongoDB's INIT_DATABASE_IMAGE_REPOSITORY + INIT_DATABASE_VERSION, or
// MONGODB_ENTERPRISE_DATABASE_IMAGE + DATABASE_VERSION), or a registry, a
// name and a version (MDB_SEARCH_REPO_URL + MDB_SEARCH_NAME +
// MDB_SEARCH_VERSION). Read alone, the repository would be reported with
// :latest, which the operator never pulls, and a bare name as an image of
// docker.io/library. envParts finds the parts of one container's env by
// their names: a variable's version is the variable named like it with
// VERSION or TAG in place of IMAGE (or IMAGE_REPOSITORY), whose prefix
// ends the image variable's prefix (DATABASE_VERSION for
// MONGODB_ENTERPRISE_DATABASE_IMAGE; the longest such prefix wins, and two
// of the same length are no answer).

// envVar is one variable of a container's env with a literal value.
type envVar struct {
	index int
	name  string
	words []string
	value *yaml.Node
}

// envRole is what a variable's name says it holds, and the words before
// the ones that say it (its prefix).
type envRole int

const (
	roleNone       envRole = iota
	roleImage              // FOO_IMAGE
	roleRepository         // FOO_IMAGE_REPOSITORY, FOO_IMAGE_REPO, FOO_IMAGE_URL
	roleVersion            // FOO_VERSION, FOO_TAG, FOO_IMAGE_TAG, FOO_IMAGE_VERSION
	roleRegistry           // FOO_REPO_URL, FOO_REGISTRY, FOO_REPO, FOO_REPOSITORY
	roleName               // FOO_NAME
)

func envWords(name string) []string {
	return strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '_' || r == '-' || r == '.' })
}

// role returns the role of a variable and its prefix.
func role(words []string) (envRole, []string) {
	n := len(words)
	ends := func(tail ...string) bool { return n > len(tail) && slices.Equal(words[n-len(tail):], tail) }
	switch {
	case n > 1 && words[0] == "related" && words[1] == "image":
		return roleNone, nil // OLM's RELATED_IMAGE_*: whole references
	case ends("image", "repository"), ends("image", "repo"), ends("image", "url"):
		return roleRepository, words[:n-2]
	case ends("image", "tag"), ends("image", "version"):
		return roleVersion, words[:n-2]
	case ends("image"):
		return roleImage, words[:n-1]
	case ends("version"), ends("tag"):
		return roleVersion, words[:n-1]
	case ends("repo", "url"):
		return roleRegistry, words[:n-2]
	case ends("registry"), ends("repo"), ends("repository"):
		return roleRegistry, words[:n-1]
	case ends("name"):
		return roleName, words[:n-1]
	}
	return roleNone, nil
}

// envParts indexes the variables of one env list with a literal value.
type envParts struct {
	vars []envVar
}

func newEnvParts(seq *yaml.Node) *envParts {
	p := &envParts{}
	for i, item := range seq.Content {
		item = resolve(item)
		name, val := str(get(item, "name")), get(item, "value")
		if name == "" || !isString(val) {
			continue
		}
		if v := strings.TrimSpace(val.Value); v == "" || hasTemplate(v) || strings.ContainsAny(v, " \t\n") {
			continue
		}
		p.vars = append(p.vars, envVar{index: i, name: name, words: envWords(name), value: val})
	}
	return p
}

// find returns the variable of role r whose prefix ends prefix (exactly
// equal when exact), the longest; nil when none or two tie.
func (p *envParts) find(r envRole, prefix []string, exact bool) *envVar {
	var best *envVar
	bestLen, tie := 0, false
	for i := range p.vars {
		v := &p.vars[i]
		vr, vp := role(v.words)
		if vr != r || len(vp) == 0 || len(vp) > len(prefix) || !slices.Equal(prefix[len(prefix)-len(vp):], vp) {
			continue
		}
		if exact && len(vp) != len(prefix) {
			continue
		}
		switch {
		case len(vp) > bestLen:
			best, bestLen, tie = v, len(vp), false
		case len(vp) == bestLen:
			tie = true
		}
	}
	if tie {
		return nil
	}
	return best
}

// bareImageName reports whether v names an image without a registry, a
// path, a tag or a digest.
func bareImageName(v string) bool {
	return v != "" && !strings.ContainsAny(v, "/:@")
}

// repositoryOnly reports whether v is a repository with a path and no tag
// or digest.
func repositoryOnly(v string) bool {
	if !strings.Contains(v, "/") || strings.Contains(v, "@") {
		return false
	}
	return strings.LastIndexByte(v, ':') < strings.LastIndexByte(v, '/')
}

// composeEnv records the images made of parts of one container's env and
// returns the indexes of the variables it handled: the caller scans the
// others as usual.
func (w *walker) composeEnv(seq *yaml.Node) map[int]bool {
	p := newEnvParts(seq)
	done := map[int]bool{}
	for i := range p.vars {
		v := &p.vars[i]
		r, prefix := role(v.words)
		if len(prefix) == 0 {
			continue
		}
		val := strings.TrimSpace(v.value.Value)
		switch {
		case (r == roleImage || r == roleRepository) && repositoryOnly(val):
			ver := p.find(roleVersion, prefix, false)
			switch {
			case ver != nil:
				w.envImage(v, val+":"+strings.TrimSpace(ver.value.Value), "env "+v.name+" + env "+ver.name)
				done[v.index] = true
			case r == roleRepository:
				w.envWarn(v, val, "a repository the operator completes with a version it chooses (a resource's, or its own): no image listed; list the images it will run with --image")
				done[v.index] = true
			}
		case r == roleImage && bareImageName(val):
			reg := p.find(roleRegistry, prefix, false)
			if reg == nil {
				continue
			}
			base := strings.TrimRight(strings.TrimSpace(reg.value.Value), "/")
			if ver := p.find(roleVersion, prefix, false); ver != nil {
				w.envComposed(v, reg, base+"/"+val+":"+strings.TrimSpace(ver.value.Value), "env "+reg.name+" + env "+v.name+" + env "+ver.name)
			} else {
				w.envWarn(v, val, "the operator completes it with "+reg.name+" ("+base+") and a version it chooses (a resource's): no image listed; list the images it will run with --image")
			}
			done[v.index] = true
		case r == roleName && bareImageName(val):
			reg, ver := p.find(roleRegistry, prefix, true), p.find(roleVersion, prefix, true)
			if reg == nil || ver == nil {
				continue
			}
			base := strings.TrimRight(strings.TrimSpace(reg.value.Value), "/")
			w.envComposed(v, reg, base+"/"+val+":"+strings.TrimSpace(ver.value.Value), "env "+reg.name+" + env "+v.name+" + env "+ver.name)
			done[v.index] = true
		}
	}
	return done
}

// envImage records an image whose reference is v's value (a repository)
// and a version elsewhere: rewritten, v's value becomes the target's
// repository.
func (w *walker) envImage(v *envVar, ref, via string) {
	w.push(indexStep(v.index), keyStep("value"))
	o := w.origin(v.value)
	w.pop(2)
	o.Form = Composed
	o.Part = o.At
	o.Via = "composed: " + via
	w.record(ref, o)
}

// envComposed records an image made of a registry (reg's value), a name
// (v's value) and a version: rewritten, reg's value becomes the target
// without the name.
func (w *walker) envComposed(v, reg *envVar, ref, via string) {
	w.push(indexStep(reg.index), keyStep("value"))
	part := Position{Line: reg.value.Line + w.off, steps: encodeSteps(w.steps)}
	w.pop(2)
	w.push(indexStep(v.index), keyStep("value"))
	o := w.origin(v.value)
	w.pop(2)
	o.Form = Composed
	o.Part = part
	o.Via = "composed: " + via
	w.record(ref, o)
}

func (w *walker) envWarn(v *envVar, val, msg string) {
	w.push(indexStep(v.index), keyStep("value"))
	o := w.origin(v.value)
	w.pop(2)
	o.Via = "env " + v.name
	w.s.warn(val, msg, o)
}
