// Package inventory answers "which images will this application run, and
// where does each come from?": a [Report] of the images found in plain
// manifests ([FromManifests]) or in a rendered chart (fromchart.Inventory,
// which renders with package chart), scanned by package discover. It is the
// list `copy` and `values` start from.
//
// The package does not import Helm: it works on manifests as bytes.
package inventory
