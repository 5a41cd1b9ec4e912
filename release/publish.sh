#!/usr/bin/env bash
# Publishes a release to an OCI registry: the operator's image that image/build.sh built into podman, signed with cosign
# and its CycloneDX SBOM attested to it, and the chart with that image pinned by digest, pushed with helm and signed too.
# Everything is signed by digest. On stdout it prints what it published, one line each: "image REF@DIGEST" and
# "chart REF@DIGEST". Run again for the same image it publishes nothing new: the same digests, no second signature.
# See docs/release.md#releases.
set -euo pipefail

usage() {
  cat >&2 <<'EOF'
usage: release/publish.sh [--plain-http] [--no-tlog] REGISTRY VERSION

  REGISTRY      where to publish, a registry host and path without a scheme, e.g. ghcr.io/webmacs: the image goes
                to REGISTRY/webmacs-migration-operator:VERSION, the chart to oci://REGISTRY/charts
  VERSION       the release, e.g. 0.1.0: the chart's version and appVersion, and the tag of the image in podman,
                which image/build.sh VERSION builds
  --plain-http  the registry speaks HTTP, not HTTPS (a registry on this machine, for tests)
  --no-tlog     record no signature in Sigstore's public transparency log (Rekor), for a registry that is not
                public; verify them with cosign's --insecure-ignore-tlog

  COSIGN_KEY      the signing key: the PEM of cosign.key, as cosign generate-key-pair writes it
  COSIGN_PASSWORD its password (empty for none)
Log in to the registry first (podman login, helm registry login). Needs podman, cosign 2.x and helm 4
(test/release-tools/build.sh builds cosign and helm), and Go once for the SBOM (image/sbom.sh builds syft).
EOF
  exit 2
}

fail() {
  echo "error: $*" >&2
  exit 1
}

plain_http=false tlog=true
while [[ "${1:-}" == --* ]]; do
  case "$1" in
    --plain-http) plain_http=true ;;
    --no-tlog) tlog=false ;;
    *) usage ;;
  esac
  shift
done
[[ $# -eq 2 ]] || usage
registry="${1%/}" version="$2"
[[ "$registry" =~ ^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$ ]] \
  || fail "REGISTRY is a registry host and path without a scheme, e.g. ghcr.io/webmacs, not '$registry'"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || fail "VERSION is a semantic version, e.g. 0.1.0, not '$version'"
cd "$(dirname "$0")/.."
for tool in podman cosign helm; do
  command -v "$tool" >/dev/null || fail "$tool is not on PATH (test/release-tools/build.sh builds cosign and helm)"
done
# Helm 3 dates a packaged chart's files at packaging time: the same sources would make another digest on each run.
[[ "$(helm version --template '{{.Version}}')" =~ ^v([4-9]|[1-9][0-9]) ]] || fail "helm 4 or newer is needed, not $(helm version --short)"
[[ -n "${COSIGN_KEY:-}" ]] || fail "COSIGN_KEY must hold the signing key, the PEM of the cosign.key that cosign generate-key-pair writes"
[[ -v COSIGN_PASSWORD ]] || fail "COSIGN_PASSWORD must be set to the signing key's password (empty for a key without one)"

chart=helm/webmacs-migration-operator
# The image's name in podman, as image/build.sh names it: the chart's default repository.
source_repository=$(helm show values "$chart" --jsonpath '{.image.repository}')
name="${source_repository##*/}"
source_image="$source_repository:$version"
image_repository="$registry/$name"
chart_repository="$registry/charts"
podman image exists "$source_image" || fail "podman does not hold $source_image: build it with image/build.sh $version"

podman_flags=() helm_flags=() cosign_flags=() sign_flags=() verify_flags=()
if $plain_http; then
  podman_flags=(--tls-verify=false) helm_flags=(--plain-http) cosign_flags=(--allow-http-registry)
fi
if ! $tlog; then
  sign_flags=(--tlog-upload=false) verify_flags=(--insecure-ignore-tlog)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The public half, to see what is signed already; the key itself only ever passes through the environment.
cosign public-key --key env://COSIGN_KEY > "$work/cosign.pub" || fail "COSIGN_KEY is not a cosign private key that COSIGN_PASSWORD opens"

# sign REF: signs REF (by digest) with the key, unless a signature of this key is there already.
sign() {
  if cosign verify --key "$work/cosign.pub" "${verify_flags[@]}" "${cosign_flags[@]}" "$1" >/dev/null 2>&1; then
    echo "$1: signed already" >&2
  else
    cosign sign --key env://COSIGN_KEY --yes "${sign_flags[@]}" "${cosign_flags[@]}" "$1" >&2 || fail "could not sign $1"
  fi
}

echo "pushing $source_image to $image_repository:$version" >&2
podman push --quiet --digestfile "$work/image-digest" "${podman_flags[@]}" "$source_image" "$image_repository:$version" >&2 \
  || fail "could not push to $registry: is it reachable, and are you logged in (podman login)?"
image="$image_repository@$(cat "$work/image-digest")"
sign "$image"
if cosign verify-attestation --key "$work/cosign.pub" --type cyclonedx "${verify_flags[@]}" "${cosign_flags[@]}" "$image" >/dev/null 2>&1; then
  echo "$image: SBOM attested already" >&2
else
  # Made from exactly this image, whatever image/build.sh last wrote.
  image/sbom.sh "$source_image" "$work/sbom.cdx.json"
  cosign attest --key env://COSIGN_KEY --type cyclonedx --predicate "$work/sbom.cdx.json" --yes "${sign_flags[@]}" \
    "${cosign_flags[@]}" "$image" >&2 || fail "could not attest the SBOM to $image"
fi

# The chart with the image pinned, every file dated at the last commit (or SOURCE_DATE_EPOCH): the same sources make
# the same archive, and so the same digest, however often this runs.
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null)}" || fail "set SOURCE_DATE_EPOCH outside a git checkout"
cp -r "$chart" "$work/chart"
sed -i -e "s|^  repository: $source_repository\$|  repository: $image_repository|" \
  -e "s|^  digest: \"\"\$|  digest: \"${image##*@}\"|" "$work/chart/values.yaml"
pinned=$(helm show values "$work/chart" --jsonpath '{.image.repository}@{.image.digest}')
[[ "$pinned" == "$image" ]] || fail "could not pin $image in the chart's values.yaml (it says $pinned)"
find "$work/chart" -exec touch -h -d "@$epoch" {} +
helm package "$work/chart" --version "$version" --app-version "$version" --destination "$work" >/dev/null
archive="$work/$name-$version.tgz"
touch -d "@$epoch" "$archive"
helm push "$archive" "oci://$chart_repository" "${helm_flags[@]}" > "$work/helm-push" 2>&1 \
  || fail "could not push the chart to oci://$chart_repository: $(cat "$work/helm-push")"
chart_digest=$(sed -n 's/^Digest: //p' "$work/helm-push")
[[ "$chart_digest" == sha256:* ]] || fail "helm push printed no digest: $(cat "$work/helm-push")"
published_chart="$chart_repository/$name@$chart_digest"
sign "$published_chart"

echo "image $image"
echo "chart $published_chart"
