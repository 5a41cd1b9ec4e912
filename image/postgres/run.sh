#!/usr/bin/env bash
# Starts a throwaway PostgreSQL container NAME from localhost/webmacs-postgres:15 (image/build.sh builds it) on the
# host network, on the first free loopback port from 54329, waits until it accepts connections, and prints the port.
# The caller removes it: podman rm -f NAME.
# Usage: image/postgres/run.sh NAME PASSWORD
set -euo pipefail
name="$1" password="$2"
port=54329
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
podman rm -f "$name" >/dev/null 2>&1 || true
podman run -d --rm --name "$name" --network host -e PGPORT="$port" -e POSTGRES_PASSWORD="$password" \
  localhost/webmacs-postgres:15 >/dev/null
until podman exec "$name" pg_isready -q -h 127.0.0.1 -p "$port"; do sleep 0.5; done
echo "$port"
