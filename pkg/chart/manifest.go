package chart

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	release "helm.sh/helm/v4/pkg/release/v1"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	sigsyaml "sigs.k8s.io/yaml"
)

// notesFileSuffix marks the rendered notes, which are not manifests.
const notesFileSuffix = "NOTES.txt"

// assemble turns the rendered files into the stream `helm template` prints:
// NOTES.txt dropped, documents sorted by Helm's install order, hooks split
// from the manifests and appended after them, each document preceded by
// "---\n# Source: <path>". Test hooks are left out when skipTests is set.
func assemble(files map[string]string, skipTests bool) ([]byte, error) {
	for name := range files {
		if strings.HasSuffix(name, notesFileSuffix) {
			delete(files, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, err
	}
	size := 0
	for _, m := range manifests {
		size += len(m.Name) + len(m.Content) + 16
	}
	for _, h := range hooks {
		size += len(h.Path) + len(h.Manifest) + 16
	}

	var body bytes.Buffer
	body.Grow(size)
	for _, m := range manifests {
		fmt.Fprintf(&body, "---\n# Source: %s\n%s\n", m.Name, m.Content)
	}
	out := bytes.NewBuffer(make([]byte, 0, size+1))
	out.Write(bytes.TrimSpace(body.Bytes()))
	out.WriteByte('\n')
	for _, h := range hooks {
		if skipTests && isTestHook(h) {
			continue
		}
		fmt.Fprintf(out, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return out.Bytes(), nil
}

// assembleUnordered is assemble without the install-order sort: the
// documents of each file in turn, files by name, hooks where they are, no
// document parsed but those that name a hook (to leave test hooks out when
// skipTests is set).
func assembleUnordered(files map[string]string, skipTests bool) ([]byte, error) {
	var out bytes.Buffer
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if strings.HasSuffix(name, notesFileSuffix) {
			continue
		}
		for _, doc := range splitDocuments(files[name]) {
			doc = strings.TrimSpace(doc)
			if doc == "" || skipTests && strings.Contains(doc, release.HookAnnotation) && isTestDoc(doc) {
				continue
			}
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name, doc)
		}
	}
	return out.Bytes(), nil
}

// splitDocuments splits a rendered file at the lines that start with
// "---", as Helm's SplitManifests does, without its regular expression
// (a fifth of a render of a chart with large CRDs): what follows "---" on
// its line starts the next document.
func splitDocuments(s string) []string {
	var docs []string
	start := 0
	for i := 0; i < len(s); {
		end := strings.IndexByte(s[i:], '\n')
		if end < 0 {
			end = len(s)
		} else {
			end += i
		}
		if strings.HasPrefix(s[i:end], "---") {
			docs = append(docs, s[start:i])
			start = i + 3
		}
		i = end + 1
	}
	return append(docs, s[start:])
}

// isTestDoc reports whether a document is a hook that runs on `helm test`.
func isTestDoc(doc string) bool {
	var head struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := sigsyaml.Unmarshal([]byte(doc), &head); err != nil {
		return false
	}
	for e := range strings.SplitSeq(head.Metadata.Annotations[release.HookAnnotation], ",") {
		if e = strings.TrimSpace(e); e == string(release.HookTest) || e == "test-success" {
			return true
		}
	}
	return false
}

// isTestHook reports whether h runs on `helm test` ("test" or the Helm 2
// spelling "test-success").
func isTestHook(h *release.Hook) bool {
	return slices.Contains(h.Events, release.HookTest)
}

// chartNames maps the tree path of every aliased subchart of c (at path) to
// the chart's own name. It must run before ProcessDependencies, which renames
// aliased charts to their alias.
func chartNames(c *chartv2.Chart, path string, out map[string]string) map[string]string {
	if out == nil {
		out = map[string]string{}
	}
	aliases := map[string][]string{}
	for _, d := range c.Metadata.Dependencies {
		if d != nil && d.Alias != "" {
			out[path+"/charts/"+d.Alias] = d.Name
			aliases[d.Name] = append(aliases[d.Name], d.Alias)
		}
	}
	for _, sub := range c.Dependencies() {
		chartNames(sub, path+"/charts/"+sub.Name(), out)
		for _, alias := range aliases[sub.Name()] {
			chartNames(sub, path+"/charts/"+alias, out)
		}
	}
	return out
}

// chartTree lists ch and its (enabled) subcharts depth-first, subcharts of a
// chart in name order. names maps aliased paths to chart names (chartNames).
func chartTree(ch *chartv2.Chart, names map[string]string) []ChartInfo {
	var out []ChartInfo
	var walk func(c *chartv2.Chart)
	walk = func(c *chartv2.Chart) {
		md := c.Metadata
		path := c.ChartFullPath()
		name, ok := names[path]
		if !ok {
			name = c.Name()
		}
		out = append(out, ChartInfo{
			Path:        path,
			Name:        name,
			Version:     md.Version,
			AppVersion:  md.AppVersion,
			Annotations: maps.Clone(md.Annotations),
		})
		subs := slices.Clone(c.Dependencies())
		sort.SliceStable(subs, func(i, j int) bool { return subs[i].Name() < subs[j].Name() })
		for _, sub := range subs {
			walk(sub)
		}
	}
	walk(ch)
	return out
}

// plainMap deep-copies Helm values into plain map[string]any / []any.
func plainMap(v map[string]any) map[string]any {
	if v == nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(v))
	for k, val := range v {
		out[k] = plainValue(val)
	}
	return out
}

func plainValue(v any) any {
	switch t := v.(type) {
	case common.Values:
		return plainMap(t)
	case map[string]any:
		return plainMap(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plainValue(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plainMap(e)
		}
		return out
	default:
		return v
	}
}
