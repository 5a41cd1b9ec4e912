#!/usr/bin/env bash
# Builds kstatus for the real-cluster test tier from its Go module (main.go, sigs.k8s.io/cli-utils as go.mod requires):
# the tests run it on the DatabaseMigrations the real API server returns, to see what Flux and Helm's --wait see.
# Output: ${WEBMACS_KSTATUS_DIR:-~/.cache/webmacs-kstatus}/kstatus. Skips the build when it was built from these sources.
set -euo pipefail
cd "$(dirname "$0")"
out="${WEBMACS_KSTATUS_DIR:-$HOME/.cache/webmacs-kstatus}"
stamp="$out/.built-from"
fingerprint=$(sha256sum go.mod go.sum main.go | sha256sum | cut -c1-16)
if [[ -x "$out/kstatus" && -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" ]]; then
  echo "kstatus: already built in $out (0 s)"
  exit 0
fi
start=$SECONDS
mkdir -p "$out"
CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags "-s -w" -o "$out/kstatus" .
echo "$fingerprint" > "$stamp"
echo "kstatus $(go list -m -f '{{.Version}}' sigs.k8s.io/cli-utils): built in $out in $((SECONDS - start)) s"
