package overrides

import (
	"fmt"
	"slices"
	"strings"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// noteVersionMaps marks the per-image values that are one entry of a
// version map in the chart's values: a map whose other entries are whole
// references to the same repository with other tags (k8ssandra's
// cassandra.versionImageMap). The chart renders only the entry its version
// selects, so only that image is in the mirror; the note names the others,
// which a later version change would pull from their source.
func noteVersionMaps(o *Overrides, values map[string]any) {
	for i := range o.Entries {
		e := &o.Entries[i]
		if e.Kind != ImageEntry || e.Note != "" || len(e.Path) < 2 || e.Path[len(e.Path)-1].IsIndex || len(e.Moves) != 1 {
			continue
		}
		parent, ok := lookup(values, e.Path[:len(e.Path)-1])
		m, isMap := parent.(map[string]any)
		if !ok || !isMap {
			continue
		}
		self := e.Path.Last()
		own, err := reference.Parse(fmt.Sprint(m[self]))
		if err != nil {
			continue
		}
		var others []string
		for k, v := range m {
			s, isString := v.(string)
			if k == self || !isString {
				continue
			}
			// A version map's entries differ in version; a map of
			// registries (MongoDB's registry.operator, registry.database:
			// all quay.io/mongodb) is not one.
			if r, err := reference.Parse(s); err == nil && r.Repository == own.Repository && r.Registry == own.Registry &&
				(r.Tag != own.Tag || r.Digest != own.Digest) {
				others = append(others, k)
			}
		}
		if len(others) == 0 {
			continue
		}
		slices.Sort(others)
		e.Note = fmt.Sprintf("one entry of a version map: the chart runs only this version, so only its image is mirrored; "+
			"the other %d (%s) are not: after choosing another version, run airlift again", len(others), strings.Join(others, ", "))
	}
}
