// Package fromchart is where a Helm chart meets airlift's pure packages: the
// one calls that start from a chart request (chart.Request), load and
// render it with package chart, and hand the result to package inventory
// ([Inventory], behind `airlift images` and `airlift copy CHART`) or package
// overrides ([Values] and [Check], behind `airlift values` and
// `airlift check`). [New] adapts a loaded chart to the overrides.Chart that
// package overrides works on.
//
// Packages chart and fromchart are the only ones that import the Helm SDK;
// packages discover, inventory and overrides take data (manifests as bytes,
// values as maps), so that their logic is tested without Helm.
package fromchart
