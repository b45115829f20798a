#!/usr/bin/env bash
# The OpenAPI document against the real server, checked by Schemathesis
# (https://schemathesis.readthedocs.io): starts the server on a free port
# with a fresh data directory, runs every check (`--checks all`, with the
# per-operation settings of tests/schemathesis.toml) with a fixed seed and a
# time budget, and exits non-zero on any failure.
#
#   tests/schemathesis.sh                  # seed 15, 120 s
#   ST_SEED=7 ST_BUDGET=30 tests/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

seed="${ST_SEED:-15}"
budget="${ST_BUDGET:-120}"
token="schemathesis-admin"

if ! command -v st >/dev/null 2>&1; then
    pip install --quiet schemathesis 2>/dev/null \
        || pip install --quiet --break-system-packages schemathesis
fi

cargo build --quiet --bin gatehouse
bin="${CARGO_TARGET_DIR:-target}/debug/gatehouse"

dir="$(mktemp -d)"
log="$dir/server.log"
GATEHOUSE_ADDR=127.0.0.1:0 GATEHOUSE_ADMIN_TOKEN="$token" \
    GATEHOUSE_SNAPSHOT_DIR="$dir/data" GATEHOUSE_LOG_FORMAT=json \
    "$bin" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT

# The port the server bound, from its start-up log line (10 s at most).
port=""
for _ in $(seq 100); do
    port="$(grep -o 'listening on: 127.0.0.1:[0-9]*' "$log" | head -n1 | cut -d: -f3 || true)"
    [ -n "$port" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
done
[ -n "$port" ] || { echo "the server did not start"; cat "$log"; exit 1; }

st --config-file tests/schemathesis.toml run "http://127.0.0.1:$port/openapi.json" \
    -H "Authorization: Bearer $token" \
    --checks all \
    --seed "$seed" \
    --max-time "$budget" \
    --workers 1 \
    --output-truncate true
