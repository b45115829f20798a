#!/usr/bin/env bash
# Instructions per request, counted by callgrind (valgrind), so the number
# does not depend on what else the machine is doing: the release server
# with one worker, one org with an event, a member with a slot and a grant;
# WARMUP requests, then N requests counted, for /health and the check.
#
#   benches/instructions.sh            # N=2000 WARMUP=500
#   KEEP=DIR benches/instructions.sh   # also keeps the profiles in DIR
#                                      # (callgrind_annotate --inclusive=yes)
#
# Needs valgrind (installed with apt-get when missing).
set -euo pipefail
NAME=instructions
cd "$(dirname "$0")/.."
. benches/common.sh

N=${N:-2000}
WARMUP=${WARMUP:-500}
command -v valgrind >/dev/null || apt-get install -y valgrind >&2 || die "cannot install valgrind"
cargo build --release --locked >&2
BIN=target/release/gatehouse
TMP=$(mktemp -d)
PID=
cleanup() { [ -z "$PID" ] || kill "$PID" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
A=(-H "Authorization: Bearer admin-token-for-counting")
RUST_LOG="${SERVER_RUST_LOG:-info}" GATEHOUSE_WORKERS=1 \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$TMP/cg.%p" "$BIN" --addr "127.0.0.1:$PORT" \
    --snapshot-dir "$TMP/data" --admin-token admin-token-for-counting \
    --snapshot-interval 0 >"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 600); do curl -fs -o /dev/null "$BASE/health" && break; sleep 0.1; done
curl -fs -o /dev/null "$BASE/health" || die "the server did not start: $(tail -5 "$TMP/server.log")"

put() { curl -fsS -o /dev/null -X PUT "${A[@]}" -H 'content-type: application/json' -d "$2" "$BASE$1"; }
put /v1/orgs/acme '{"kind":"team"}'
put /v1/orgs/acme/licenses '{"event_pro":5,"org_standard":5}'
put /v1/orgs/acme/members/ann '{"license":"org_standard"}'
put /v1/orgs/acme/events/gala '{}'
put /v1/orgs/acme/events/gala/slots/ann '{}'
put /v1/orgs/acme/events/gala/users/ann/grants/Event.Update '{}'
CHECK="$BASE/v1/orgs/acme/events/gala/check?user=ann&permission=Event.Update"
curl -fsS "${A[@]}" "$CHECK" | grep -q '"allowed":true' || die "the check is not granted"

# count URL NAME: instructions per request over N requests after WARMUP.
count() {
    "$OHA" -n "$WARMUP" -c 1 --no-tui "${A[@]}" "$1" >/dev/null
    callgrind_control -z "$PID" >/dev/null 2>&1
    callgrind_control -i on "$PID" >/dev/null 2>&1
    "$OHA" -n "$N" -c 1 --no-tui "${A[@]}" "$1" >/dev/null
    callgrind_control -i off "$PID" >/dev/null 2>&1
    rm -f "$TMP"/cg.*
    callgrind_control -d "$PID" >/dev/null 2>&1
    [ -z "${KEEP:-}" ] || cp "$TMP"/cg.* "$KEEP/callgrind.$2"
    local total
    total=$(cat "$TMP"/cg.* | awk '/^totals:/ {s += $2} END {print s + 0}')
    echo $(( total / N ))
}
printf '%-10s %s\n' route "instructions per request"
printf '%-10s %s\n' /health "$(count "$BASE/health" health)"
printf '%-10s %s\n' check "$(count "$CHECK" check)"
