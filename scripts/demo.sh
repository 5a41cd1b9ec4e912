#!/usr/bin/env bash
# The main job: applies the example DatabaseMigration and prints its status until it is Ready.
# With no KUBECONFIG: a local Kubernetes control plane (built from Go modules by test/kube/build.sh), an embedded
# PostgreSQL and the operator, all on this machine, stopped again at the end. With KUBECONFIG set: that cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${KUBECONFIG:-}" ]]; then
  test/kube/build.sh
fi
./mvnw -B -q -DskipTests package
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/demo-classpath.txt
exec java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "target/test-classes:target/classes:$(cat target/demo-classpath.txt)" io.webmacs.migration.cluster.Demo
