#!/usr/bin/env bash
# Builds promtool and promql-metrics from the Go module of Prometheus (go.mod pins github.com/prometheus/prometheus) for
# the monitoring tests: promtool checks the chart's alerting rules and runs their unit tests (promtool test rules), and
# promql-metrics (main.go) reads the metric names of the Grafana dashboard's queries with Prometheus's PromQL parser.
# Output: ${WEBMACS_PROMTOOL_DIR:-~/.cache/webmacs-promtool}/{promtool,promql-metrics}. Skips the build when both were
# built from these sources (this script among them).
set -euo pipefail
cd "$(dirname "$0")"
out="${WEBMACS_PROMTOOL_DIR:-$HOME/.cache/webmacs-promtool}"
stamp="$out/.built-from"
fingerprint=$(sha256sum build.sh go.mod go.sum main.go | sha256sum | cut -c1-16)
if [[ -x "$out/promtool" && -x "$out/promql-metrics" && -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" ]]; then
  echo "promtool: already built in $out (0 s)"
  exit 0
fi
start=$SECONDS
mkdir -p "$out"
version=$(go list -m -f '{{.Version}}' github.com/prometheus/prometheus)
CGO_ENABLED=0 go build -buildvcs=false -trimpath -tags remove_all_sd -o "$out/promtool" \
  -ldflags "-s -w -X github.com/prometheus/common/version.Version=$version" github.com/prometheus/prometheus/cmd/promtool
CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags "-s -w" -o "$out/promql-metrics" .
echo "$fingerprint" > "$stamp"
echo "promtool $version: built in $out in $((SECONDS - start)) s"
