#!/usr/bin/env bash
# Builds the tools release/publish.sh runs besides podman, from their Go modules: cosign, which signs the image and the
# chart and attests the image's SBOM, and the helm CLI, which packages the chart and pushes it to the registry.
# cluster/ReleaseThroughRegistryIT runs publish.sh with them, and verifies with this cosign what it published.
# Output: ${WEBMACS_RELEASE_TOOLS_DIR:-~/.cache/webmacs-release-tools}/{cosign,helm}; each is built once per version.
set -euo pipefail
out="${WEBMACS_RELEASE_TOOLS_DIR:-$HOME/.cache/webmacs-release-tools}"
mkdir -p "$out"

# build NAME PACKAGE VERSION VERSION_VARIABLE: `go install PACKAGE@VERSION` into $out, the version stamped where the
# project's own release build stamps it; skipped when NAME is there at VERSION.
build() {
  local name="$1" package="$2" version="$3" version_variable="$4" stamp="$out/.$1-version"
  if [[ -x "$out/$name" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
    echo "$name $version: already built in $out (0 s)"
    return
  fi
  local start=$SECONDS
  (cd /tmp && GOBIN="$out" CGO_ENABLED=0 go install -buildvcs=false -trimpath \
    -ldflags "-s -w -X $version_variable=$version" "$package@$version")
  echo "$version" > "$stamp"
  echo "$name $version: built in $out in $((SECONDS - start)) s"
}

build cosign github.com/sigstore/cosign/v2/cmd/cosign v2.6.5 sigs.k8s.io/release-utils/version.gitVersion
build helm helm.sh/helm/v4/cmd/helm v4.3.2 helm.sh/helm/v4/internal/version.version
