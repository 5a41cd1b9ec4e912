#!/usr/bin/env bash
# Builds Docker Compose from its Go module, for the compose tests: they run deploy/compose/ with it against podman's
# Docker-compatible API, as WebMACS users run it against Docker. (Debian's podman-compose 1.0.3 ignores depends_on
# conditions, and PyPI's newest, 1.6.0, starts a service after its dependency exited with any code; see docs/compose.md.)
# Output: ${WEBMACS_COMPOSE_DIR:-~/.cache/webmacs-compose}/<version>/docker-compose, and a docker-compose link to it
# beside <version>, which the tests run. Skips the build when that version exists.
set -euo pipefail
version=v2.40.3
root="${WEBMACS_COMPOSE_DIR:-$HOME/.cache/webmacs-compose}"
out="$root/$version"
if [[ -x "$out/docker-compose" ]]; then
  ln -sfn "$version/docker-compose" "$root/docker-compose"
  echo "docker compose $version: already built in $out (0 s)"
  exit 0
fi
start=$SECONDS
module=github.com/docker/compose/v2
# Built in the module's own directory: its go.mod has exclude directives, which `go install module@version` refuses.
dir=$(cd /tmp && go mod download -json "$module@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
mkdir -p "$out"
(cd "$dir" && CGO_ENABLED=0 go build -buildvcs=false -trimpath -mod=mod -o "$out/docker-compose" \
  -ldflags "-s -w -X $module/internal.Version=$version" ./cmd)
ln -sfn "$version/docker-compose" "$root/docker-compose"
echo "docker compose $version: built in $out in $((SECONDS - start)) s"
