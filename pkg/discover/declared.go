package discover

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// DeclaredAnnotations are the Chart.yaml annotations that list images:
// Helm's, Artifact Hub's and Bitnami's.
var DeclaredAnnotations = []string{"helm.sh/images", "artifacthub.io/images", "images"}

// AddDeclared records the images a chart lists in its Chart.yaml
// annotations. chart names the chart in origins ("wordpress/charts/mariadb").
// Each annotation is a YAML list of references or of objects with an
// "image" key ({name, image}); a value that is not YAML is read as one
// reference per line. Declared images are reported apart from deployed ones:
// a chart may list images of components that are not enabled.
func (s *Scanner) AddDeclared(chart string, annotations map[string]string) {
	for _, key := range DeclaredAnnotations {
		val, ok := annotations[key]
		if !ok || strings.TrimSpace(val) == "" {
			continue
		}
		o := Origin{File: chart + "/Chart.yaml", Via: "declared in a chart annotation", Form: Declared}
		for _, d := range declaredValues(val) {
			o.Path = formatPath([]Step{keyStep("annotations"), keyStep(key), indexStep(d.index)})
			ref, err := reference.Parse(d.ref)
			if err != nil {
				s.warn(d.ref, err.Error(), o)
				continue
			}
			s.declared.add(ref, o)
		}
	}
}

type declaredValue struct {
	index int
	ref   string
}

// declaredValues returns the references of an annotation with their list
// index, in order.
func declaredValues(val string) []declaredValue {
	var out []declaredValue
	var list []any
	if err := yaml.Unmarshal([]byte(val), &list); err == nil && len(list) > 0 {
		for i, item := range list {
			switch v := item.(type) {
			case string:
				out = append(out, declaredValue{i, strings.TrimSpace(v)})
			case map[string]any:
				if img, ok := v["image"].(string); ok {
					out = append(out, declaredValue{i, strings.TrimSpace(img)})
				}
			}
		}
		return out
	}
	for i, line := range strings.Split(val, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
		if line != "" {
			out = append(out, declaredValue{i, line})
		}
	}
	return out
}
