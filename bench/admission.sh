#!/usr/bin/env bash
# JMH benchmark of the pod admission webhook's work per AdmissionReview (parse, decide, answer; no TLS or HTTP).
# Usage: bench/admission.sh [extra JMH options]   e.g. bench/admission.sh -f 2
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test-compile
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" org.openjdk.jmh.Main PodAdmissionBenchmark "$@"
