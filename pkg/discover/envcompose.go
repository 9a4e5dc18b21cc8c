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
// docker.io/library. composeEnv finds the parts of one container's env by
// their names: a variable's version is the variable named like it with
// VERSION or TAG in place of IMAGE (or IMAGE_REPOSITORY), whose prefix
// ends the image variable's prefix (DATABASE_VERSION for
// MONGODB_ENTERPRISE_DATABASE_IMAGE; the longest such prefix wins, and two
// of the same length are no answer).

// envVar is one variable of a container's env with a literal value, with
// what its name says it holds.
type envVar struct {
	index  int
	name   string
	value  string
	node   *yaml.Node
	role   envRole
	prefix []string
}

// envRole is what a variable's name says it holds; the words before the
// ones that say it are its prefix.
type envRole int

const (
	roleNone       envRole = iota
	roleImage              // FOO_IMAGE
	roleRepository         // FOO_IMAGE_REPOSITORY, FOO_IMAGE_REPO, FOO_IMAGE_URL
	roleVersion            // FOO_VERSION, FOO_TAG, FOO_IMAGE_TAG, FOO_IMAGE_VERSION
	roleRegistry           // FOO_REPO_URL, FOO_REGISTRY, FOO_REPO, FOO_REPOSITORY
	roleName               // FOO_NAME
)

// role returns the role of a variable named by words and its prefix.
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

// envVars are the variables of one env list with a literal value and a
// role.
func envVars(seq *yaml.Node) []envVar {
	var out []envVar
	for i, item := range seq.Content {
		item = resolve(item)
		name, val := str(get(item, "name")), get(item, "value")
		if name == "" || !isString(val) {
			continue
		}
		v := strings.TrimSpace(val.Value)
		if v == "" || hasTemplate(v) || strings.ContainsAny(v, " \t\n") {
			continue
		}
		words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '_' || r == '-' || r == '.' })
		if r, prefix := role(words); r != roleNone && len(prefix) > 0 {
			out = append(out, envVar{index: i, name: name, value: v, node: val, role: r, prefix: prefix})
		}
	}
	return out
}

// find returns the variable of role r whose prefix ends prefix (is equal
// to it when exact), the longest; nil when none or two tie.
func find(vars []envVar, r envRole, prefix []string, exact bool) *envVar {
	var best *envVar
	bestLen, tie := 0, false
	for i := range vars {
		v := &vars[i]
		n := len(v.prefix)
		if v.role != r || n > len(prefix) || exact && n != len(prefix) || !slices.Equal(prefix[len(prefix)-n:], v.prefix) {
			continue
		}
		switch {
		case n > bestLen:
			best, bestLen, tie = v, n, false
		case n == bestLen:
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
	vars := envVars(seq)
	done := map[int]bool{}
	for i := range vars {
		v := &vars[i]
		switch {
		case (v.role == roleImage || v.role == roleRepository) && repositoryOnly(v.value):
			// The variable is the repository: rewritten, it becomes the
			// target's repository.
			if ver := find(vars, roleVersion, v.prefix, false); ver != nil {
				o := w.envOrigin(v)
				w.recordComposed(o, o.At, "env "+v.name+" + env "+ver.name, v.value+":"+ver.value)
			} else if v.role == roleRepository {
				w.s.warn(v.value, "a repository the operator completes with a version it chooses (a resource's, or its own): no image listed; list the images it will run with --image", w.envOrigin(v))
			} else {
				continue
			}
		case v.role == roleImage && bareImageName(v.value):
			reg := find(vars, roleRegistry, v.prefix, false)
			if reg == nil {
				continue
			}
			if ver := find(vars, roleVersion, v.prefix, false); ver != nil {
				w.envJoined(v, reg, ver)
			} else {
				w.s.warn(v.value, "the operator completes it with "+reg.name+" ("+strings.TrimRight(reg.value, "/")+") and a version it chooses (a resource's): no image listed; list the images it will run with --image", w.envOrigin(v))
			}
		case v.role == roleName && bareImageName(v.value):
			reg, ver := find(vars, roleRegistry, v.prefix, true), find(vars, roleVersion, v.prefix, true)
			if reg == nil || ver == nil {
				continue
			}
			w.envJoined(v, reg, ver)
		default:
			continue
		}
		done[v.index] = true
	}
	return done
}

// envJoined records the image reg/name:ver of three variables: rewritten,
// reg's value becomes the target without the name.
func (w *walker) envJoined(name, reg, ver *envVar) {
	w.recordComposed(w.envOrigin(name), w.envOrigin(reg).At, "env "+reg.name+" + env "+name.name+" + env "+ver.name,
		strings.TrimRight(reg.value, "/")+"/"+name.value+":"+ver.value)
}

// envOrigin is the origin of v's value.
func (w *walker) envOrigin(v *envVar) Origin {
	w.push(indexStep(v.index), keyStep("value"))
	defer w.pop(2)
	o := w.origin(v.node)
	o.Via = "env " + v.name
	return o
}
