// Package overrides writes the values that point an unmodified Helm chart at
// a mirror registry, and proves them by rendering the chart again.
//
// The package is pure: it works on values trees and rendered manifests, and
// renders through the function a [Chart] carries; it never imports Helm.
// Package fromchart builds a Chart from a chart loaded by package chart.
//
// # Trace
//
// [Trace] renders the chart with the user's values, then finds the
// candidates among the values of the chart and of every enabled subchart,
// each under its values scope (aliases honoured), global and the
// subcharts' globals included (set at the top, where Helm copies them
// down):
//
//   - by content, whatever the key: a string whose text is a registry or a
//     registry with a path a rendered image starts with, a repository with
//     or without its registry, a namespace or an image name a rendered image
//     is made of (one path part only under a key that speaks of images), or
//     a whole reference to a rendered image (k8ssandra's
//     cassandra.versionImageMap entries);
//   - by key, as hints for shapes: registry keys (registry, imageRegistry,
//     registryOverride, hub) even when empty, repository keys, image or
//     name inside an image object (ingress-nginx's {registry, image, tag,
//     digest}), tag keys; Istio's defaults kept under
//     _internal_defaults_do_not_set are read at the root, where users set
//     them;
//   - empty image values ({} or "") that replace an image the templates
//     compute (k8ssandra's stargate.image), filled in with the shape of the
//     chart's other image objects, and image objects left unset
//     ({repository: "", tag: ""}) that render an operator's setting only
//     when filled in: the image found in that setting's place moves the
//     image the operator pulls by default (the OpenTelemetry operator's
//     auto-instrumentation images);
//   - global.imageRegistry, tried even where no values.yaml declares it.
//
// A candidate under global, at the root of a chart's values
// (defaultImageRegistry, hub, registryPrefix) or under a key naming a
// default (an operator image configuration's defaults.registry) may be a
// chart-wide knob: the values of single images fall back to it, so it is
// rendered apart from them, those under global in one render and the
// charts' own in another (a chart's hub falls back to global.hub). What a
// candidate moves is what its sentinel moves.
//
// Each candidate gets a sentinel value that keeps its shape and carries a
// number (c0007.sentinel.invalid for a registry, sentinel/c0007/<original>
// for a repository, sentinelc0007-<original> for a name matched by its
// text, <original>-c0007 for a tag). One render gives every per-image
// candidate its sentinel, one more the empty image values (they would hide
// the values they replace), one the knobs under global and one the charts'
// own; they run concurrently. pkg/discover then reads which rendered image carries which
// number, at which place (object, field path, template file), and the
// rendered sentinel images are kept to predict what other values render.
// When a template rejects a sentinel (a `fail` on a tag format), the render
// is split in halves until the candidates at fault are found and skipped.
// Bitnami charts get global.security.allowInsecureImages=true in every
// render that relocates images.
//
// # Plan
//
// [Plan] maps every image with the [reference.Mapping] that `airlift copy`
// uses (two images with one target are an error) and chooses values:
//
//   - chart-wide knobs set to REGISTRY[/PREFIX] (or the whole target
//     repository for a knob that holds one) where they move images to
//     their targets, predicted from the knobs' sentinel render: the knob
//     that leaves the fewest images behind with the fewest values first,
//     then more knobs while each leaves fewer images behind or needs fewer
//     values; the file names the images each moves, and says so where a
//     knob is the registry of an operator's image configuration (images
//     the operator derives later come from it too);
//   - for the other images, per place, the first that works of: a whole
//     reference rewritten, a registry key set to REGISTRY[/PREFIX], a
//     repository set to the rest of the target (host included when it
//     carried one), a registry and a repository together (Docker Hub's
//     official images keep their library/ part), an empty image value
//     filled in; values shared between images must agree;
//   - the settings relocated images need, and with a pull secret name, the
//     pull-secret lists of the chart (global.imagePullSecrets, every
//     imagePullSecrets and pullSecrets), each keeping its shape.
//
// Tags and digests are never changed. The plan
// is then checked by rendering; an image found elsewhere than predicted
// gets its next best way and the chart is rendered again (PlanOptions.Rounds).
//
// # Check
//
// [Check] renders the chart with the user's values and overrides layered
// over them (as one more -f file after the user's) and compares every image,
// place by place, with mapping.Map of the image rendered there without the
// overrides; every original image must still render, one to one. Anything
// else is a [Leak] with its object, field path and template file, and so is
// every value discovery could not read (a warning is never followed by "all
// moved"). Images an operator pulls by default (package catalog) are leaks
// until the operator's setting names the mirror: the leak says which setting
// `airlift postrender` adds, or that none moves it. Images that no values
// path controls are marked TemplateOnly: Rewrite of package
// rewrite, the core of `airlift postrender`, moves them in the manifest
// stream; an image some value moves is never marked so, even when the plan
// did not use that value. Images fixed by the user's own --set flags ([Chart].Pinned, which
// Helm applies after every values file) are marked PinnedBy those paths
// instead: no values file can move them, the flag has to change.
//
// # Output
//
// [Overrides.YAML] writes a values file with sorted keys and a comment per
// value: source -> target for the images it moves, the list of images a
// knob moves, or why a setting is there.
package overrides
