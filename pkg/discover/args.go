package discover

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// args scans container args or command. An image is taken from
//   - a flag named like an image: --x-image=REF, --x-image REF;
//   - any other --flag=VALUE or bare word whose value is unmistakably an
//     image: host/path:tag or host/path@digest with a registry host
//     (--prometheus-config-reloader=quay.io/prometheus-operator/...:v0.52.0).
//
// Elements holding a whole shell command are split into words.
func (w *walker) args(seq *yaml.Node) {
	pending := ""
	for i, e := range seq.Content {
		if e = resolve(e); !isString(e) {
			continue
		}
		w.push(indexStep(i))
		w.argTokens(strings.Fields(e.Value), &pending, e)
		w.pop(1)
	}
}

// argTokens scans the words of node n; pending carries an image flag whose
// value is the next word, across elements.
func (w *walker) argTokens(tokens []string, pending *string, n *yaml.Node) {
	for _, t := range tokens {
		t = strings.Trim(t, `"'`)
		if *pending != "" {
			flag := *pending
			*pending = ""
			if !strings.HasPrefix(t, "-") {
				w.candidate(t, n, Written, "flag "+flag)
				continue
			}
		}
		if !strings.HasPrefix(t, "-") {
			if unmistakable(t) {
				w.candidate(t, n, Written, "argument")
			}
			continue
		}
		name, val, hasValue := strings.Cut(t, "=")
		switch {
		case hasValue && imageFlag(name):
			w.candidate(val, n, Written, "flag "+name)
		case hasValue && unmistakable(val):
			w.candidate(val, n, Written, "flag "+name)
		case !hasValue && imageFlag(name):
			*pending = name
		}
	}
}

// env scans container env values: any value of a variable named like an
// image (SIDECAR_IMAGE, RELATED_IMAGE_X), unmistakable images elsewhere,
// and version maps: lines of KEY=IMAGE (Strimzi's STRIMZI_KAFKA_IMAGES),
// or a JSON or YAML map of them.
func (w *walker) env(seq *yaml.Node) {
	composed := w.composeEnv(seq)
	for i, item := range seq.Content {
		if composed[i] {
			continue
		}
		item = resolve(item)
		name, val := str(get(item, "name")), get(item, "value")
		if !isString(val) {
			continue
		}
		w.push(indexStep(i), keyStep("value"))
		switch v := strings.TrimSpace(val.Value); {
		case strings.Contains(v, "\n") || versionEntry(v):
			w.text(val, "env "+name)
		case strings.HasPrefix(v, "{") && w.depth < maxEmbedDepth && w.embedded(val):
		case imageVar(name) || unmistakable(v):
			if !hasTemplate(v) {
				w.candidate(val.Value, val, Written, "env "+name)
			}
		}
		w.pop(2)
	}
}

// versionEntry reports whether a one-line value is KEY=IMAGE or KEY: IMAGE,
// an entry of a version map.
func versionEntry(v string) bool {
	if !strings.ContainsAny(v, "=:") {
		return false
	}
	_, val, ok := keyValue(v)
	return ok && refShaped(val)
}

// imageFlag reports whether a command-line flag names an image:
// --image, --thanos-default-base-image, --configReloaderImage.
func imageFlag(name string) bool {
	n := strings.ToLower(strings.TrimLeft(name, "-"))
	return n != "" && strings.HasSuffix(n, "image")
}

// imageVar reports whether a variable or key name names an image:
// IMAGE, SIDECAR_IMAGE, sidecar.image, RELATED_IMAGE_OPERATOR (OLM).
func imageVar(name string) bool {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return r == '_' || r == '-' || r == '.'
	})
	if len(words) == 0 {
		return false
	}
	return words[len(words)-1] == "image" || len(words) > 2 && words[0] == "related" && words[1] == "image"
}

// unmistakable reports whether s has the shape of an image reference and
// nothing else: a registry host (with a dot or port, or localhost), a path,
// and a tag or digest. Words, paths, host:port pairs and URLs do not. A
// value of this shape that does not parse (upper case, a bad digest) is
// still taken as a candidate, so that it is reported, not dropped.
func unmistakable(s string) bool {
	slash := strings.IndexByte(s, '/')
	if slash <= 0 || strings.Contains(s, "://") || strings.ContainsAny(s, " \t\"'{}<>") {
		return false
	}
	host := s[:slash]
	if !strings.ContainsAny(host, ".:") && !strings.EqualFold(host, "localhost") {
		return false
	}
	last := s[strings.LastIndexByte(s, '/')+1:]
	return strings.ContainsAny(last, ":@") && !strings.HasSuffix(s, ":") && !strings.HasSuffix(s, "@")
}
