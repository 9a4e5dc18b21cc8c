// Package copyjob is the one call behind `airlift copy`: it gathers the
// images (from an inventory, e.g. a chart's, or a list), maps each to the target
// registry (reference.Mapping, the mapping `values` uses too), rejects
// collisions before anything is copied, takes this shard's share, and plans
// (dry-run) or copies them with the mirror engine through one registry
// client, after a pre-flight of the targets (credentials, push, Harbor
// projects and ECR repositories) that stops the copy, before anything is
// read, when a target cannot be pushed to. It writes the lock file
// (source -> digest -> target) atomically.
package copyjob
