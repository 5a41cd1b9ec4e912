#!/usr/bin/env bash
# Container start to exit of `webmacs-migrate current` on an up-to-date database, in the shipped image, median of RUNS
# runs (after one warm-up run each), with the image's class-data-sharing archive and without it (the same JVM options
# and class path, with only the JDK's own archive). The whole `podman run` is timed, as a Job or init container pays it.
# PostgreSQL runs in localhost/webmacs-postgres:15 on the host network. Both images come from image/build.sh.
# Usage: bench/image-start.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
tag=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' helm/webmacs-migration-operator/Chart.yaml)
image="ghcr.io/webmacs/webmacs-migration-operator:$tag"
export CONTAINERS_CONF="${CONTAINERS_CONF:-${WEBMACS_IMAGE_CACHE:-$HOME/.cache/webmacs-image}/containers.conf}"

db=webmacs-bench-image-start
trap 'podman rm -f "$db" >/dev/null 2>&1 || true' EXIT
port=$(image/postgres/run.sh "$db" bench)
url="postgresql://postgres:bench@127.0.0.1:$port/postgres"

migrate() { # JAVA_LAUNCH VERB: the Job's container as the chart's restricted pod runs it
  podman run --rm --network host --user 185:185 --read-only --cap-drop=ALL --security-opt=no-new-privileges \
    -e DATABASE_URL="$url" --entrypoint sh "$image" -c "exec $1 $2"
}
with_archive='java @/deployments/webmacs-migrate.args'
without_archive='java $(grep -v SharedArchiveFile /deployments/webmacs-migrate.args)'
migrate "$with_archive" upgrade >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for variant in without_archive with_archive; do
  migrate "${!variant}" current >/dev/null
  times=()
  for _ in $(seq "$runs"); do
    start=$(date +%s%3N)
    migrate "${!variant}" current >/dev/null
    times+=($(( $(date +%s%3N) - start )))
  done
  printf 'current on head, in the image, %-16s median %5d ms   runs: %s\n' "${variant//_/ }" \
    "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}"
done
