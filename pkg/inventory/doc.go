// Package inventory answers "which images will this application run, and
// where does each come from?": it renders a chart (package chart) or reads
// plain manifests, and scans them (package discover). It is the one call
// behind `airlift images`, and the list `copy` and `values` start from.
package inventory
