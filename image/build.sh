#!/usr/bin/env bash
# Builds the image ghcr.io/webmacs/webmacs-migration-operator:<tag> into podman, with no registry and no Docker daemon:
#  1. a JRE base from Debian's packages (debootstrap bookworm + openjdk-17-jre-headless, user 185 as in the
#     published base), imported into podman as localhost/webmacs-jre-base:17 and saved as a docker archive;
#  2. a PostgreSQL image from Debian's packages (localhost/webmacs-postgres:15), for the training run below and for
#     the compose tests, and a pause image on the JRE base (localhost/webmacs-pause:1, image/pause/) for the
#     real-cluster tests' node; neither is shipped;
#  3. the application put on the base by the release's own image build (Quarkus + Jib), loaded into podman;
#  4. how the CLI starts in the image (webmacs-migrate.args: JVM options, the class path in a fixed order, the main
#     class) and a class-data-sharing archive for exactly that, made by one `upgrade` of an empty database in the
#     image itself, added as the last layer;
#  5. the image's SBOM, target/webmacs-migration-operator-image.cdx.json (image/sbom.sh);
#  6. for the real-cluster tests, localhost/webmacs-migrate-extended:1, built FROM it by deploy/extension-image/.
# Only the base differs from a release build, which sets WEBMACS_JRE_BASE=registry.access.redhat.com/ubi9/openjdk-17-runtime
# (any base Jib can read, with java on the PATH) and then pushes the image with podman push.
# Both Debian images are built once and kept (delete the archives to rebuild them).
# Usage: [WEBMACS_JRE_BASE=IMAGE] image/build.sh [tag]   (default tag: the chart's appVersion, which the chart deploys)
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' helm/webmacs-migration-operator/Chart.yaml)}"
image="ghcr.io/webmacs/webmacs-migration-operator:$tag"
cache="${WEBMACS_IMAGE_CACHE:-$HOME/.cache/webmacs-image}"
base_archive="$cache/webmacs-jre-base-17.tar"
postgres_image=localhost/webmacs-postgres:15
postgres_archive="$cache/webmacs-postgres-15.tar"
# podman on this kind of machine: runc, cgroupfs, and no default ulimits (setrlimit is not permitted here).
export CONTAINERS_CONF="${CONTAINERS_CONF:-$cache/containers.conf}"
mkdir -p "$cache"
[[ -f "$CONTAINERS_CONF" ]] || printf '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n' > "$CONTAINERS_CONF"

# The Debian mirror this machine's apt uses (its first non-security source, deb822 or one-line), never one written here.
debian_mirror() {
  local mirror
  mirror=$( { sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null
              sed -nE 's/^deb +(\[[^]]*\] +)?([^ ]+).*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
            } | tr ' ' '\n' | grep -v -e '-security' -e '^$' | head -n 1)
  if [[ -z "$mirror" ]]; then
    echo "error: no Debian mirror in this machine's apt sources (/etc/apt/sources.list*) for debootstrap" >&2
    return 1
  fi
  echo "$mirror"
}

# debootstrap_image NAME ARCHIVE PACKAGES PREPARE IMPORT_CHANGES...: a Debian bookworm minbase root filesystem with
# PACKAGES, PREPARE run on it, imported into podman as NAME and saved to ARCHIVE; or loaded from ARCHIVE if it exists.
debootstrap_image() {
  local name="$1" archive="$2" packages="$3" prepare="$4" rootfs
  shift 4
  if [[ -f "$archive" ]]; then
    podman image exists "$name" || podman load -q -i "$archive" >/dev/null
    return
  fi
  local started=$SECONDS
  rootfs=$(mktemp -d /var/tmp/webmacs-rootfs.XXXXXX)
  debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$(debian_mirror)" >/dev/null
  "$prepare" "$rootfs"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/man/*
  find "$rootfs"/usr/share/doc -type f ! -name copyright -delete # the copyright files are the SBOM's licences
  local changes=()
  for change in "$@"; do changes+=(--change "$change"); done
  tar -C "$rootfs" -c . | podman import -q "${changes[@]}" - "$name" >/dev/null
  rm -rf "$rootfs"
  podman save -q --format docker-archive -o "$archive" "$name" >/dev/null
  echo "image $name built in $((SECONDS - started)) s"
}

jre_user() {
  chroot "$1" groupadd -g 185 jboss
  chroot "$1" useradd -u 185 -g 185 -m -d /home/jboss -s /usr/sbin/nologin jboss 2>/dev/null
}

postgres_entrypoint() {
  rm -rf "$1"/etc/postgresql/15/main "$1"/var/lib/postgresql/15/main # the package's own cluster; the entrypoint makes one
  install -m 0755 image/postgres/entrypoint.sh "$1"/usr/local/bin/postgres-entrypoint
}

start=$SECONDS
if [[ -z "${WEBMACS_JRE_BASE:-}" ]]; then
  debootstrap_image localhost/webmacs-jre-base:17 "$base_archive" openjdk-17-jre-headless jre_user \
    'USER 185' 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64'
  podman build -q -t localhost/webmacs-pause:1 image/pause >/dev/null
fi
debootstrap_image "$postgres_image" "$postgres_archive" postgresql-15 postgres_entrypoint \
  'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]' 'EXPOSE 5432'

previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
./mvnw -B -q -DskipTests package -Dquarkus.container-image.build=true -Dquarkus.container-image.tag="$tag-jib" \
  -Dquarkus.jib.base-jvm-image="${WEBMACS_JRE_BASE:-tar://$base_archive}" -Dquarkus.jib.docker-executable-name=podman

# The class path in a fixed order: a wildcard expands in directory order, which differs between filesystems, and the
# archive is only used for the class path it was made with.
cds=target/image-cds
rm -rf "$cds" && mkdir -p "$cds" && chmod 0777 "$cds"
class_path=$( (cd target/quarkus-app && ls app/*.jar && ls lib/main/*.jar | LC_ALL=C sort) | sed 's|^|/deployments/|' | paste -sd: -)
jvm_options=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -XX:-UsePerfData)
main=io.webmacs.migration.cli.WebmacsMigrate
printf '%s\n' "${jvm_options[@]}" -XX:SharedArchiveFile=/deployments/webmacs-migrate.jsa -cp "$class_path" "$main" \
  > "$cds/webmacs-migrate.args"
# Made with the same options; picocli's classes are Java 5 class files, which CDS leaves out with a warning each.
printf '%s\n' "${jvm_options[@]}" -XX:ArchiveClassesAtExit=/cds/webmacs-migrate.jsa -Xlog:cds=off -cp "$class_path" "$main" \
  > "$cds/training.args"

training_db=webmacs-cds-training-db
trap 'podman rm -f "$training_db" >/dev/null 2>&1 || true' EXIT
port=$(image/postgres/run.sh "$training_db" training)
podman run --rm --network host --user 185:185 --read-only -v "$PWD/$cds:/cds" \
  -e DATABASE_URL="postgresql://postgres:training@127.0.0.1:$port/postgres" \
  --entrypoint java "$image-jib" @/cds/training.args upgrade >/dev/null

podman build -q --build-arg APP_IMAGE="$image-jib" -f image/cds/Containerfile -t "$image" "$cds" >/dev/null
podman rmi "$image-jib" >/dev/null
# The archive must map for the CLI's own classes, or the build fails here rather than every Job starting slowly.
loaded=$(podman run --rm --read-only --entrypoint java "$image" -Xlog:class+load=info @/deployments/webmacs-migrate.args --version)
grep -q "$main source: shared objects file (top)" <<< "$loaded" \
  || { echo "the class-data-sharing archive in $image is not used by its webmacs-migrate.args" >&2; exit 1; }
if [[ -n "$previous" && "$previous" != "$(podman image inspect --format '{{.Id}}' "$image")" ]]; then
  podman rmi "$previous" >/dev/null 2>&1 || true # the image this build replaced, unless a container still uses it
fi
# A runner image built FROM this one with the test fixtures' changelog extension, as deploy/extension-image/ shows
# users; for the real-cluster tests, never shipped.
podman build -q --build-arg BASE="$image" -f deploy/extension-image/Containerfile -t localhost/webmacs-migrate-extended:1 \
  src/test/resources/changelogs/extension >/dev/null
sbom=target/webmacs-migration-operator-image.cdx.json
if command -v go >/dev/null 2>&1; then
  image/sbom.sh "$image" "$sbom"
else
  sbom="none (image/sbom.sh builds syft with Go, which is not installed)"
fi
echo "image $image built in $((SECONDS - start)) s; its SBOM: $sbom"
