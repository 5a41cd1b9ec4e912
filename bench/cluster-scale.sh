#!/usr/bin/env bash
# The operator at scale on a real kube-apiserver (ScaleBenchmark): DatabaseMigrations over namespaces, each with its
# own database; prints apply -> Job and Job -> Ready latencies, the operator's memory and its idle status writes.
# Usage: bench/cluster-scale.sh [namespaces [per namespace [idle minutes]]]   (default 20 50 5: 1,000 resources)
set -euo pipefail
cd "$(dirname "$0")/.."
test/kube/build.sh
./mvnw -B -q -DskipTests package
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" io.webmacs.migration.cluster.ScaleBenchmark "$@"
