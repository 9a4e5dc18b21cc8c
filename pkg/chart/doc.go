// Package chart locates, loads and renders Helm charts client-side. It is
// the only package of airlift that imports Helm.
package chart
