#!/usr/bin/env bash
# Wall time of webmacs-migrate at deploy time, median of RUNS runs each:
#   upgrade   an empty database to head       (a first install)
#   current   on an up-to-date database       (what every later deploy pays)
#   psql      running the same SQL by hand    (the floor: `webmacs-migrate sql` output through psql -f)
# for the default JVM and for the fast-start options the Job uses.
#
# Needs: ./mvnw -B -DskipTests package, psql, and a PostgreSQL server the PG* variables point at
# (PGHOST, PGPORT, PGUSER, PGPASSWORD); it creates and drops databases named webmacs_bench_*.
# Usage: bench/cli-timing.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
JAR=target/webmacs-migrate.jar
CDS=target/webmacs-migrate.jsa
FAST="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -XX:SharedArchiveFile=$CDS -Xshare:auto"
: "${PGHOST:?set PGHOST}" "${PGPORT:?set PGPORT}" "${PGUSER:?set PGUSER}"
export DATABASE_URL="jdbc:postgresql://$PGHOST:$PGPORT/webmacs_bench"
export DATABASE_USERNAME=$PGUSER DATABASE_PASSWORD=${PGPASSWORD:-}

fresh_db() { psql -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS webmacs_bench" -c "CREATE DATABASE webmacs_bench"; }
millis() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

time_runs() { # label, setup command, timed command...
  local label=$1 setup=$2; shift 2
  local times=()
  for _ in $(seq "$RUNS"); do
    eval "$setup"
    local start; start=$(millis)
    "$@" >/dev/null
    times+=($(( $(millis) - start )))
  done
  printf '%-44s median %5d ms   runs: %s\n' "$label" "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}"
}

# The class-data-sharing archive the fast options load: recorded once from a real upgrade.
fresh_db
java -XX:ArchiveClassesAtExit=$CDS -jar $JAR upgrade >/dev/null 2>&1
env -u DATABASE_URL java -jar $JAR sql > target/webmacs-head.sql  # offline: for an empty database

echo "java: $(java -version 2>&1 | head -1); PostgreSQL: $(psql -d postgres -Atc 'SHOW server_version'); $(nproc) cores"
time_runs "upgrade empty -> head, default JVM" fresh_db java -jar $JAR upgrade
time_runs "upgrade empty -> head, fast-start options" fresh_db java $FAST -jar $JAR upgrade
time_runs "psql -f (same SQL, empty -> head)" fresh_db psql -q -v ON_ERROR_STOP=1 -d webmacs_bench -f target/webmacs-head.sql
fresh_db; java -jar $JAR upgrade >/dev/null
time_runs "current on head, default JVM" : java -jar $JAR current
time_runs "current on head, fast-start options" : java $FAST -jar $JAR current
time_runs "upgrade on head (nothing to do), fast-start" : java $FAST -jar $JAR upgrade
time_runs "psql SELECT of the applied tag" : psql -q -d webmacs_bench -Atc "SELECT tag FROM databasechangelog WHERE tag IS NOT NULL ORDER BY orderexecuted DESC LIMIT 1"
psql -q -d postgres -c "DROP DATABASE webmacs_bench"
