#!/usr/bin/env bash
# Sensor ingestion during an upgrade of a big WebMACS database: a route A database at 002_plugin_packages with ROWS
# datapoints, pgbench inserting datapoints at RATE a second (CLIENTS sessions, as WebMACS's workers), and an upgrade to
# head by each of:
#   before    webmacs-migrate with the built-in changelog as it was before issue 26 (003 validates each foreign key as
#             it adds it; kept in src/test/resources/changelogs/before-online)
#   after     webmacs-migrate with this build's built-in changelog (keys added NOT VALID, validated in a step of their own)
#   alembic   WebMACS's own Alembic chain (bench/alembic: Debian's python3-alembic, revisions 003..005 as SCHEMA.md
#             describes them), one transaction as WebMACS's env.py runs it
# each on its own copy of the same database (CREATE DATABASE ... TEMPLATE), RUNS times in turn, in one run. For each:
# the worst and the 99th percentile latency of the inserts due to start while the upgrade ran (as pgbench counts it
# under --rate: from the scheduled start, so an insert that queued behind a blocked one counts its wait), how many there
# were, the worst of the 20 s of inserts before the upgrade (idle worst: what the machine does anyway), and the upgrade's total
# time (the whole process, JVM or Python start included). webmacs-migrate runs as the image runs it: the JVM options
# docs/benchmarks.md ("CLI wall time at deploy time") gives, with a class-data-sharing archive the script records first.
#
# Needs: ./mvnw -B -DskipTests package, psql, pgbench, Debian's python3-alembic and python3-psycopg2 (/usr/bin/python3),
# and a PostgreSQL server the PG* variables point at (PGHOST, PGPORT, PGUSER, PGPASSWORD) with room for two copies of
# the database (20 million datapoints: about 6 GB each). It creates the databases webmacs_online_template and
# webmacs_online_run and drops them at the end (KEEP_TEMPLATE=1 keeps the template for another run of the same size).
# Usage: RUNS=3 bench/online-upgrade.sh [ROWS] [RATE] [CLIENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-20000000}
RATE=${2:-50}
CLIENTS=${3:-4}
RUNS=${RUNS:-1}
JAR=${JAR:-target/webmacs-migrate.jar}
PYTHON=${PYTHON:-/usr/bin/python3}
TEMPLATE=webmacs_online_template
RUN=webmacs_online_run
# As the image runs the CLI (docs/benchmarks.md, "CLI wall time at deploy time"): C1 only, serial GC, small stacks, a class-data-sharing archive.
JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k"
: "${PGHOST:?set PGHOST}" "${PGPORT:?set PGPORT}" "${PGUSER:?set PGUSER}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export DATABASE_USERNAME=$PGUSER DATABASE_PASSWORD=${PGPASSWORD:-}
millis() { date +%s%3N; }
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# The changelog before issue 26: this build's files with 003 and 004 as they were.
mkdir "$WORK/before"
cp src/main/resources/db/webmacs/*.xml "$WORK/before/"
cp src/test/resources/changelogs/before-online/*.xml "$WORK/before/"

template_has_rows() {
  [ "$(psql -X -At -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$TEMPLATE'")" = 1 ] &&
    [ "$(psql -X -At -d $TEMPLATE -c "SELECT count(*) FROM datapoints")" = "$ROWS" ]
}

# Route A at 002: the built-in changelog up to 002, then no Liquibase history, as Alembic leaves it; 3 users, 50 events
# (sensor channels), 20 experiments, ROWS datapoints (a tenth in an experiment), loaded with datapoints' keys and indexes
# dropped and then made again exactly as they were.
make_template() {
  sql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $TEMPLATE" -c "CREATE DATABASE $TEMPLATE"
  DATABASE_URL="jdbc:postgresql://$PGHOST:$PGPORT/$TEMPLATE" java -jar "$JAR" upgrade 002_plugin_packages >/dev/null
  sql -d $TEMPLATE -v rows="$ROWS" <<'SQL'
DROP TABLE databasechangelog;
DROP TABLE databasechangeloglock;
INSERT INTO users (public_id, email, username, password_hash, admin)
  VALUES ('user-1', 'a@lab', 'alice', 'h', true), ('user-2', 'b@lab', 'bob', 'h', false), ('user-3', 'c@lab', 'carol', 'h', false);
INSERT INTO events (public_id, name, min_value, max_value, unit, type, user_public_id)
  SELECT 'event-' || i, 'channel ' || i, 0, 100, 'C', 'sensor', 'user-1' FROM generate_series(1, 50) AS i;
INSERT INTO experiments (public_id, name, user_public_id) SELECT 'exp-' || i, 'run ' || i, 'user-1' FROM generate_series(1, 20) AS i;
CREATE TEMP TABLE keys AS
  SELECT format('ALTER TABLE datapoints ADD CONSTRAINT %I %s', conname, pg_get_constraintdef(oid)) AS ddl, contype = 'f' AS foreign_key
  FROM pg_constraint WHERE conrelid = 'datapoints'::regclass;
CREATE TEMP TABLE indexes AS
  SELECT pg_get_indexdef(indexrelid) AS ddl FROM pg_index
  WHERE indrelid = 'datapoints'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid);
SELECT format('ALTER TABLE datapoints DROP CONSTRAINT %I', conname) FROM pg_constraint
  WHERE conrelid = 'datapoints'::regclass ORDER BY contype = 'f' DESC \gexec
SELECT format('DROP INDEX %s', indexrelid::regclass) FROM pg_index WHERE indrelid = 'datapoints'::regclass \gexec
INSERT INTO datapoints (public_id, value, "timestamp", event_public_id, experiment_public_id)
  SELECT gen_random_uuid()::text, random() * 100, now() - make_interval(secs => :rows - i), 'event-' || (i % 50 + 1),
         CASE WHEN i % 10 = 0 THEN 'exp-' || (i % 20 + 1) END
  FROM generate_series(1, :rows) AS i;
SELECT ddl FROM keys WHERE NOT foreign_key \gexec
SELECT ddl FROM indexes \gexec
SELECT ddl FROM keys WHERE foreign_key \gexec
VACUUM ANALYZE;
SQL
}

# The class-data-sharing archive, recorded from one upgrade of an empty database.
record_archive() {
  sql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $RUN" -c "CREATE DATABASE $RUN"
  java $JAVA_OPTS -XX:ArchiveClassesAtExit="$WORK/cds.jsa" -jar "$JAR" --url "jdbc:postgresql://$PGHOST:$PGPORT/$RUN" upgrade >/dev/null 2>&1
  sql -d postgres -c "DROP DATABASE $RUN"
}

# One upgrade of a fresh copy while pgbench inserts; prints one line of the table.
run() { # label, command...
  local label=$1; shift
  # A file copy, not the whole database through the WAL, and a checkpoint: no flush of the copy while inserts are timed.
  sql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $RUN" \
    -c "CREATE DATABASE $RUN TEMPLATE $TEMPLATE STRATEGY FILE_COPY" -c "CHECKPOINT"
  cat > "$WORK/insert.sql" <<'SQL'
\set e random(1, 50)
INSERT INTO datapoints (public_id, value, "timestamp", event_public_id) VALUES (gen_random_uuid()::text, random() * 100, now(), 'event-' || :e);
SQL
  rm -f "$WORK"/log.*
  pgbench -n -f "$WORK/insert.sql" -c "$CLIENTS" -j 1 -R "$RATE" -T 86400 -l --log-prefix="$WORK/log" $RUN >"$WORK/pgbench.out" 2>&1 &
  local pgbench=$!
  # Warm: the copy's pages come into the cache, and the inserts settle to their pace.
  sleep 30
  local started ended
  started=$(millis)
  "$@" >"$WORK/upgrade.out" 2>&1 || { cat "$WORK/upgrade.out"; kill $pgbench; exit 1; }
  ended=$(millis)
  # pgbench writes its log in 4 kB blocks and loses the last when it is stopped: what follows the upgrade by 10 s is not needed.
  sleep 10
  kill $pgbench
  wait $pgbench || true
  [ "$(psql -X -At -d $RUN -c "SELECT version_num FROM alembic_version")" = 005_oidc_sso ] || { echo "$label did not reach head" >&2; exit 1; }
  [ "$(psql -X -At -d $RUN -c "SELECT count(*) FROM pg_constraint WHERE NOT convalidated")" = 0 ] || { echo "$label left keys not valid" >&2; exit 1; }
  # Log lines: client, transaction, latency us (under --rate from the scheduled start, its lag included), script, end
  # epoch s, end us, schedule lag us; an insert was due to start at its end less its latency.
  local inserts="$WORK/inserts"
  cat "$WORK"/log.* | awk '{ latency = $3 / 1000; printf "%.3f %.3f\n", $5 * 1000 + $6 / 1000 - latency, latency }' > "$inserts"
  awk -v from="$started" -v to="$ended" '$1 >= from && $1 <= to { print $2 }' "$inserts" | sort -n > "$WORK/during"
  local count worst p99 idle
  count=$(wc -l < "$WORK/during")
  worst=$(tail -1 "$WORK/during")
  p99=$(awk -v n="$count" 'NR == int(n * 0.99 + 0.999) { print; exit }' "$WORK/during")
  idle=$(awk -v to="$started" '$1 >= to - 20000 && $1 < to { print $2 }' "$inserts" | sort -n | tail -1)
  printf '%-12s %10d %12.0f %10.0f %9d %12.0f %12d\n' "$label" "$ROWS" "$worst" "$p99" "$count" "$idle" $((ended - started))
  sql -d postgres -c "DROP DATABASE $RUN"
}

template_has_rows || make_template
record_archive
echo "PostgreSQL $(psql -X -At -d postgres -c 'SHOW server_version') at $PGHOST:$PGPORT; $(nproc) cores; $(java -version 2>&1 | head -1)"
echo "datapoints: $ROWS ($(psql -X -At -d $TEMPLATE -c "SELECT pg_size_pretty(pg_total_relation_size('datapoints'))") with indexes);" \
  "pgbench: $CLIENTS clients, $RATE inserts/s; DDL lock timeout: webmacs-migrate's default (2 s)"
printf '%-12s %10s %12s %10s %9s %12s %12s\n' upgrade rows "worst ms" "p99 ms" inserts "idle worst" "total ms"
URL="jdbc:postgresql://$PGHOST:$PGPORT/$RUN"
for _ in $(seq "$RUNS"); do
  run before java $JAVA_OPTS -XX:SharedArchiveFile="$WORK/cds.jsa" -Xshare:auto -jar "$JAR" --url "$URL" \
    --changelog "$WORK/before/changelog.xml" upgrade
  run after java $JAVA_OPTS -XX:SharedArchiveFile="$WORK/cds.jsa" -Xshare:auto -jar "$JAR" --url "$URL" upgrade
  run alembic env DATABASE_URL="postgresql://$PGUSER:${PGPASSWORD:-}@$PGHOST:$PGPORT/$RUN" "$PYTHON" -m alembic -c bench/alembic/alembic.ini upgrade head
done
[ "${KEEP_TEMPLATE:-0}" = 1 ] || sql -d postgres -c "DROP DATABASE $TEMPLATE"
