#!/usr/bin/env bash
# Writes the SBOM (CycloneDX JSON) of an image in podman, made by syft, which is built from its Go module once and kept:
# the base's Debian packages (licences from their copyright files) and the Java libraries in /deployments (licences
# from their Maven metadata). The jar's own SBOM, from the Maven build, is target/webmacs-migration-operator.cdx.json.
# Usage: image/sbom.sh IMAGE OUTPUT
set -euo pipefail
image="$1" output="$2"
version=v1.57.1
syft="${WEBMACS_IMAGE_CACHE:-$HOME/.cache/webmacs-image}/syft-$version"
if [[ ! -x "$syft" ]]; then
  started=$SECONDS
  bin=$(mktemp -d)
  (cd /tmp && GOBIN="$bin" CGO_ENABLED=0 go install -trimpath "github.com/anchore/syft/cmd/syft@$version")
  mv "$bin/syft" "$syft" && rmdir "$bin"
  echo "syft $version built in $((SECONDS - started)) s"
fi
archive=$(mktemp /var/tmp/webmacs-image-XXXXXX.tar)
trap 'rm -f "$archive"' EXIT
podman save -q --format docker-archive -o "$archive" "$image"
# No file entries (thousands of them), and no call home for a newer syft.
SYFT_FILE_METADATA_SELECTION=none SYFT_CHECK_FOR_APP_UPDATE=false "$syft" -q "docker-archive:$archive" \
  --source-name "${image%:*}" --source-version "${image##*:}" -o "cyclonedx-json=$output"
