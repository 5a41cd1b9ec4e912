#!/usr/bin/env bash
# Wall time of webmacs-migrate at deploy time, whole process, median of RUNS runs each, in one run on one PostgreSQL:
#   current on head                 what every later deploy and every init container pays
#   upgrade on head                 the Job or init container with nothing to do
#   upgrade empty -> head           a first install
#   upgrade 000_baseline -> head    a database at the baseline revision
# each with the fast path (the built-in changelog's index, no Liquibase) and without it (--no-fast-path) where it
# applies, on JDK 17 with an application class-data-sharing archive and on JDK 25 with an AOT cache, beside the psql
# floor: the same SQL, or the history query, run by psql.
#
# Needs: ./mvnw -B -DskipTests package, psql, and a PostgreSQL server the PG* variables point at (PGHOST, PGPORT,
# PGUSER, PGPASSWORD); it creates and drops a database named webmacs_bench. JAVA17 and JAVA25 name the two runtimes
# (default: java on the PATH and Temurin 25 where Debian's temurin-25-jdk puts it; a missing JAVA25 is skipped).
# Usage: bench/cli-timing.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
JAR=${JAR:-target/webmacs-migrate.jar}
JAVA17=${JAVA17:-java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
# For a short-lived JVM: C1 only, no GC threads to start, smaller stacks (see docs/benchmarks.md).
OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k"
CDS=target/bench-jdk17.jsa
AOT=target/bench-jdk25.aot
: "${PGHOST:?set PGHOST}" "${PGPORT:?set PGPORT}" "${PGUSER:?set PGUSER}"
export DATABASE_URL="jdbc:postgresql://$PGHOST:$PGPORT/webmacs_bench"
export DATABASE_USERNAME=$PGUSER DATABASE_PASSWORD=${PGPASSWORD:-}

fresh_db() { psql -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS webmacs_bench" -c "CREATE DATABASE webmacs_bench"; }
at_baseline() { fresh_db; java -jar $JAR upgrade 000_baseline >/dev/null; }
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
  printf '%-58s median %5d ms   runs: %s\n' "$label" "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}"
}

# The SQL psql runs for the floors: offline for an empty database, and what an upgrade from the baseline would run.
env -u DATABASE_URL java -jar $JAR sql > target/bench-empty-to-head.sql
at_baseline; java -jar $JAR sql > target/bench-baseline-to-head.sql

# Each runtime's archive, recorded from one upgrade of an empty database (it goes through both paths).
fresh_db; $JAVA17 -XX:ArchiveClassesAtExit=$CDS -jar $JAR upgrade >/dev/null 2>&1
runtimes=("jdk17+cds")
if [ -x "$JAVA25" ]; then
  fresh_db; $JAVA25 -XX:AOTCacheOutput=$AOT -jar $JAR upgrade >/dev/null 2>&1
  runtimes+=("jdk25+aot")
fi
run_with() { # runtime, webmacs-migrate arguments...
  local runtime=$1; shift
  case $runtime in
    jdk17+cds) $JAVA17 $OPTS -XX:SharedArchiveFile=$CDS -Xshare:auto -jar $JAR "$@" ;;
    jdk25+aot) $JAVA25 $OPTS -XX:AOTCache=$AOT -jar $JAR "$@" ;;
  esac
}

echo "JDK 17: $($JAVA17 -version 2>&1 | head -1); JDK 25: $([ -x "$JAVA25" ] && $JAVA25 -version 2>&1 | head -1 || echo none)"
echo "PostgreSQL $(psql -d postgres -Atc 'SHOW server_version') at $PGHOST:$PGPORT; $(nproc) cores; $RUNS runs each"
HISTORY="SELECT id, author, filename, md5sum FROM databasechangelog ORDER BY orderexecuted"
fresh_db; java -jar $JAR upgrade >/dev/null
for r in "${runtimes[@]}"; do
  time_runs "current on head, $r" : run_with "$r" current
  time_runs "current on head, $r, --no-fast-path" : run_with "$r" current --no-fast-path
done
time_runs "current on head, psql: the history query" : psql -q -d webmacs_bench -Atc "$HISTORY"
for r in "${runtimes[@]}"; do
  time_runs "upgrade on head (nothing to do), $r" : run_with "$r" upgrade
  time_runs "upgrade on head (nothing to do), $r, --no-fast-path" : run_with "$r" upgrade --no-fast-path
done
for r in "${runtimes[@]}"; do
  time_runs "upgrade empty -> head, $r" fresh_db run_with "$r" upgrade
done
time_runs "upgrade empty -> head, psql -f (the same SQL)" fresh_db psql -q -v ON_ERROR_STOP=1 -d webmacs_bench -f target/bench-empty-to-head.sql
for r in "${runtimes[@]}"; do
  time_runs "upgrade 000_baseline -> head, $r" at_baseline run_with "$r" upgrade
done
time_runs "upgrade 000_baseline -> head, psql -f (the same SQL)" at_baseline psql -q -v ON_ERROR_STOP=1 -d webmacs_bench -f target/bench-baseline-to-head.sql
psql -q -d postgres -c "DROP DATABASE webmacs_bench"
