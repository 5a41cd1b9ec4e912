#!/usr/bin/env bash
# The main job: applies the example DatabaseMigration and prints its status until it is Ready.
# With no KUBECONFIG: a local Kubernetes (a control plane and one node, built from Go modules by test/kube/build.sh;
# the node runs its pods with Debian's containerd, runc and CNI plugins, as root), an embedded PostgreSQL, and the
# operator in a container of the image image/build.sh builds, which runs the migration Job too; all stopped again at
# the end. One such node runs on a machine at a time: not while the real-cluster tests run. With KUBECONFIG set: that
# cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${KUBECONFIG:-}" ]]; then
  test/kube/build.sh
  image/build.sh # packages the jars too
else
  ./mvnw -B -q -DskipTests package
fi
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/demo-classpath.txt
exec java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "target/test-classes:target/classes:$(cat target/demo-classpath.txt)" io.webmacs.migration.cluster.Demo
