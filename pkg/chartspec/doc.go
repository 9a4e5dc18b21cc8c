// Package chartspec says which chart to render and how, in the terms of
// `helm template`: where the chart comes from ([Source]), the user's values
// ([Values]) and the release and cluster it is rendered for ([Options]).
//
// It is plain data without Helm, so that the parts of airlift that only pass
// a chart request along (the command line, the copy of a list of images)
// do not link the Helm SDK and its start-up cost. Package chart renders a
// [Request]; package fromchart turns one into images and values.
package chartspec
