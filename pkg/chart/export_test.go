package chart

import (
	"slices"
	"sort"
	"strings"

	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
)

// SplitDocuments is splitDocuments for the tests, documents trimmed and
// empty ones left out.
func SplitDocuments(s string) []string {
	var out []string
	for _, d := range splitDocuments(s) {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// HelmSplit is Helm's SplitManifests in order, documents trimmed and empty
// ones left out.
func HelmSplit(s string) []string {
	docs := releaseutil.SplitManifests(s)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	var out []string
	for _, k := range keys {
		if d := strings.TrimSpace(docs[k]); d != "" {
			out = append(out, d)
		}
	}
	return slices.Clip(out)
}
