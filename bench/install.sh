#!/usr/bin/env bash
# install.sh: install the benchmark's tools (Debian packages + Go modules).
# Needs root for apt-get (or run the apt-get line yourself).
set -euo pipefail
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y docker-registry skopeo hyperfine time curl jq iproute2
# GOFLAGS="": ignore a GOFLAGS=-mod=... from the environment for go install
# Pinned to the versions of RESULTS.md, so that runs compare.
GOFLAGS='' go install github.com/google/go-containerregistry/cmd/crane@v0.22.1
GOFLAGS='' go install github.com/regclient/regclient/cmd/regctl@v0.11.7
GOFLAGS='' go install github.com/regclient/regclient/cmd/regsync@v0.11.7
# airlift itself, from this checkout.
(cd "$(dirname "$0")/.." && GOFLAGS='' go build -o "$(go env GOPATH)/bin/" ./cmd/airlift)
echo "installed; Go binaries are in $(go env GOPATH)/bin (run.sh adds it to PATH)"
