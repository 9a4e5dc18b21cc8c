package overrides

import (
	"slices"
	"strings"
)

// allowInsecureImages is bitnami common 2.x's switch: its templates fail
// on images other than the ones the chart lists unless it is true.
var allowInsecureImages = Path{Key("global"), Key("security"), Key("allowInsecureImages")}

// settings returns the values every relocated render of the chart needs.
func settings(c Chart) []Setting {
	var out []Setting
	if globalKey(c, allowInsecureImages[1:]) {
		out = append(out, Setting{
			Path:  allowInsecureImages,
			Value: true,
			Note:  "bitnami charts refuse images they do not list unless this is set",
		})
	}
	return out
}

// globalKey reports whether the chart's values or the defaults of an
// enabled chart have global.<p>.
func globalKey(c Chart, p Path) bool {
	if _, ok := lookup(c.Values["global"], p); ok {
		return true
	}
	for _, s := range c.Scopes {
		if s.Enabled {
			if _, ok := lookup(s.Defaults["global"], p); ok {
				return true
			}
		}
	}
	return false
}

// pullSecretKeys are the keys charts name their image pull secrets with.
var pullSecretKeys = []string{"imagePullSecrets", "pullSecrets"}

// pullSecrets returns the settings that add the pull secret name to the
// chart's pull-secret keys: global.imagePullSecrets when a chart has it,
// and every other imagePullSecrets or pullSecrets list of the enabled
// charts' values. Each list keeps its entries and its shape (names or
// {name: ...} objects).
func pullSecrets(c Chart, name string) []Setting {
	if name == "" {
		return nil
	}
	found := map[string]Setting{}
	add := func(p Path, v any) {
		if _, dup := found[p.String()]; dup {
			return
		}
		list, ok := v.([]any)
		if v != nil && !ok {
			return
		}
		objects := p.Last() == "imagePullSecrets"
		for _, e := range list {
			switch t := e.(type) {
			case string:
				objects = false
				if t == name {
					return
				}
			case map[string]any:
				objects = true
				if t["name"] == name {
					return
				}
			}
		}
		out := slices.Clone(list)
		if objects {
			out = append(out, map[string]any{"name": name})
		} else {
			out = append(out, name)
		}
		found[p.String()] = Setting{Path: p, Value: out, Note: "pull secret for the mirror"}
	}
	enabled, disabled := c.scopes()
	var walk func(v any, p Path)
	walk = func(v any, p Path) {
		for _, d := range disabled {
			if p.HasPrefix(d) {
				return
			}
		}
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, e := range m {
			if k == "global" {
				continue
			}
			if slices.Contains(pullSecretKeys, k) {
				add(p.Child(Key(k)), e)
				continue
			}
			walk(e, p.Child(Key(k)))
		}
	}
	globals := []any{c.Values["global"]}
	for _, s := range enabled {
		globals = append(globals, s.Defaults["global"])
	}
	for _, g := range globals {
		if gm, ok := g.(map[string]any); ok {
			if v, ok := gm["imagePullSecrets"]; ok {
				add(Path{Key("global"), Key("imagePullSecrets")}, v)
			}
		}
	}
	walk(c.Values, nil)
	for _, s := range enabled {
		walk(s.Defaults, keysPath(s.Keys))
	}
	out := make([]Setting, 0, len(found))
	for _, s := range found {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Setting) int { return strings.Compare(a.Path.String(), b.Path.String()) })
	return out
}

// PullSecretValues returns the values that add the image pull secret name
// to every pull-secret key of the chart (global.imagePullSecrets, every
// imagePullSecrets and pullSecrets list of an enabled chart), each in its
// shape (names or {name} objects); empty when the chart has none.
func PullSecretValues(c Chart, name string) map[string]any {
	out := map[string]any{}
	for _, s := range pullSecrets(c, name) {
		_ = assign(out, c.Values, s.Path, deepCopy(s.Value))
	}
	return out
}
