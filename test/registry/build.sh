#!/usr/bin/env bash
# Builds the OCI registry of the release test from its Go module (main.go, github.com/distribution/distribution/v3 as
# go.mod requires): cluster/ReleaseThroughRegistryIT publishes a release to it with release/publish.sh, and the real
# node's containerd pulls the operator's image from it.
# Output: ${WEBMACS_REGISTRY_DIR:-~/.cache/webmacs-registry}/registry. Skips the build when it was built from these sources.
set -euo pipefail
cd "$(dirname "$0")"
out="${WEBMACS_REGISTRY_DIR:-$HOME/.cache/webmacs-registry}"
stamp="$out/.built-from"
fingerprint=$(sha256sum go.mod go.sum main.go | sha256sum | cut -c1-16)
if [[ -x "$out/registry" && -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" ]]; then
  echo "registry: already built in $out (0 s)"
  exit 0
fi
start=$SECONDS
mkdir -p "$out"
CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags "-s -w" -o "$out/registry" .
echo "$fingerprint" > "$stamp"
echo "registry $(go list -m -f '{{.Version}}' github.com/distribution/distribution/v3): built in $out in $((SECONDS - start)) s"
