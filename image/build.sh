#!/usr/bin/env bash
# Builds the image ghcr.io/webmacs/webmacs-migration-operator:<tag> into podman, with no registry and no Docker daemon:
#  1. a JRE base from Debian's packages (debootstrap bookworm + openjdk-17-jre-headless, user 185 as in the
#     published base), imported into podman as localhost/webmacs-jre-base:17 and saved as a docker archive;
#  2. the application put on it by the release's own image build (Quarkus + Jib), loaded into podman.
# Only the base differs from a release build, which uses registry.access.redhat.com/ubi9/openjdk-17-runtime.
# The base is built once and kept (delete the archive to rebuild it).
# Usage: image/build.sh [tag]   (default: the chart's appVersion, the tag the chart and deploy/ deploy)
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' helm/webmacs-migration-operator/Chart.yaml)}"
cache="${WEBMACS_IMAGE_CACHE:-$HOME/.cache/webmacs-image}"
base_archive="$cache/webmacs-jre-base-17.tar"
# podman on this kind of machine: runc, cgroupfs, and no default ulimits (setrlimit is not permitted here).
export CONTAINERS_CONF="${CONTAINERS_CONF:-$cache/containers.conf}"
mkdir -p "$cache"
[[ -f "$CONTAINERS_CONF" ]] || printf '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n' > "$CONTAINERS_CONF"

start=$SECONDS
if [[ ! -f "$base_archive" ]]; then
  rootfs=$(mktemp -d /var/tmp/webmacs-jre-rootfs.XXXXXX)
  debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
  chroot "$rootfs" groupadd -g 185 jboss
  chroot "$rootfs" useradd -u 185 -g 185 -m -d /home/jboss -s /usr/sbin/nologin jboss 2>/dev/null
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  tar -C "$rootfs" -c . | podman import --change 'USER 185' --change 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' \
    - localhost/webmacs-jre-base:17 >/dev/null
  rm -rf "$rootfs"
  podman save --format docker-archive -o "$base_archive" localhost/webmacs-jre-base:17 >/dev/null
  echo "base image localhost/webmacs-jre-base:17 built in $((SECONDS - start)) s"
fi

./mvnw -B -q -DskipTests package -Dquarkus.container-image.build=true -Dquarkus.container-image.tag="$tag" \
  -Dquarkus.jib.base-jvm-image="tar://$base_archive" -Dquarkus.jib.docker-executable-name=podman
echo "image ghcr.io/webmacs/webmacs-migration-operator:$tag built in $((SECONDS - start)) s"
