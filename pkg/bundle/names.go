package bundle

import (
	"github.com/airlift-cli/airlift/pkg/layout"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// archiveRegistry is the registry name under which the copy engine sees
// the archive. It cannot be a real registry: normalised references always
// have a host with a dot or a port, or localhost.
const archiveRegistry = "archive"

// Annotations and kinds of index.json entries.
const (
	AnnotationKind = "io.airlift.kind"
	KindImage      = "image"
	KindChart      = "chart"
	KindBundle     = "bundle"
	// AnnotationDiffBase names the archive a diff archive was made
	// against (its index.json digest): the far side must have it.
	AnnotationDiffBase = "io.airlift.diff-base"
)

// Media types of the bundle artifact.
const (
	ArtifactTypeBundle = "application/vnd.airlift.bundle.v1"
	MediaTypeRender    = "application/vnd.airlift.render.v1+yaml"
	MediaTypeValues    = "application/vnd.airlift.values.v1+yaml"
	MediaTypeLock      = "application/vnd.airlift.lock.v1+yaml"

	helmConfigMediaType = "application/vnd.cncf.helm.config.v1+json"
	helmChartMediaType  = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
)

// bundleName is the entry of the bundle artifact.
const bundleName = "airlift/bundle:v1"

// entryName is the index.json name of an image copied from src.
func entryName(src reference.Reference) string {
	if src.Tag == "" {
		return src.Registry + "/" + src.Repository + "@" + src.Digest
	}
	return src.Registry + "/" + src.Repository + ":" + src.Tag
}

// archivePair is what the engine copies to put src in the archive.
func archivePair(src reference.Reference) reference.Pair {
	return reference.Pair{Source: src, Target: reference.Reference{
		Registry: archiveRegistry, Repository: src.Registry + "/" + src.Repository, Tag: src.Tag, Digest: src.Digest}}
}

// images returns the image entries of an archive: those marked as images,
// or, in an archive airlift did not write (no entry is marked), every
// entry.
func images(entries []layout.Entry) []layout.Entry {
	marked := false
	var out []layout.Entry
	for _, e := range entries {
		kind, ok := e.Descriptor.Annotations[AnnotationKind]
		marked = marked || ok
		if kind == KindImage {
			out = append(out, e)
		}
	}
	if !marked {
		return entries
	}
	return out
}

// entryOfKind returns the first entry of kind, if any.
func entryOfKind(entries []layout.Entry, kind string) (layout.Entry, bool) {
	for _, e := range entries {
		if e.Descriptor.Annotations[AnnotationKind] == kind {
			return e, true
		}
	}
	return layout.Entry{}, false
}
