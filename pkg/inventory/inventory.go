package inventory

import (
	"github.com/airlift-cli/airlift/pkg/discover"
)

// Input is one stream of manifests: a file, stdin, a kustomize build.
type Input struct {
	Name string // shown in origins and errors
	Data []byte
}

// ChartInfo names the rendered chart.
type ChartInfo struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	AppVersion string `json:"appVersion,omitempty"`
}

// Report is the inventory of one application.
type Report struct {
	// Chart is set when the inventory comes from a chart.
	Chart *ChartInfo
	// Images the application runs, sorted and unique, with their origins.
	Images []discover.Image
	// Declared are the images listed in Chart.yaml annotations of the chart
	// and its enabled subcharts; they may name disabled components.
	Declared []discover.Image
	// Warnings are values that stand where an image belongs but do not
	// parse, and images that cannot be resolved from the input alone.
	Warnings []discover.Warning
	// Notes are worth knowing but not wrong (an operator in a version the
	// catalog of default images does not cover).
	Notes []discover.Warning
	// Manifest is the rendered stream that was scanned (charts only).
	Manifest []byte `json:"-"`
}

// FromManifests lists the images of plain manifests. All inputs are read as
// one application, so an ImageConfig in one resolves the server images of
// a CassandraDatacenter in another.
func FromManifests(inputs ...Input) (*Report, error) {
	s := discover.NewScanner()
	for _, in := range inputs {
		if err := s.Add(in.Data, in.Name); err != nil {
			return nil, err
		}
	}
	return FromScanner(s), nil
}

// FromScanner is the report of what s has read.
func FromScanner(s *discover.Scanner) *Report {
	res := s.Result()
	return &Report{Images: res.Images, Declared: res.Declared, Warnings: res.Warnings, Notes: res.Notes}
}

// WithoutOperatorDefaults returns the report without the images operators
// pull by default (origins of form discover.OperatorDefault): an image
// found elsewhere too keeps its other origins.
func (r *Report) WithoutOperatorDefaults() *Report {
	out := *r
	out.Images = nil
	for _, img := range r.Images {
		var keep []discover.Origin
		for _, o := range img.Origins {
			if o.Form != discover.OperatorDefault {
				keep = append(keep, o)
			}
		}
		if len(keep) > 0 {
			img.Origins = keep
			out.Images = append(out.Images, img)
		}
	}
	return &out
}

// Why returns the image matching ref (any form a runtime accepts:
// "busybox", "docker.io/library/busybox:latest") among the images and the
// declared images, and whether it is only declared.
func (r *Report) Why(ref string) (img discover.Image, declared, ok bool) {
	res := discover.Result{Images: r.Images}
	if img, ok := res.Find(ref); ok {
		return img, false, true
	}
	res = discover.Result{Images: r.Declared}
	img, ok = res.Find(ref)
	return img, ok, ok
}
