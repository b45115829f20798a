#!/usr/bin/env bash
# Benchmark of GET /usage and POST /what-if over HTTP, with oha (issue 21's
# speed targets: on an org with 100 events and 10,000 users, /usage within
# 20 ms p99 and /what-if within 50 ms p99; what-if in a loop on one org
# must not raise the check p99 on other orgs beyond noise).
#
#   benches/usage_http.sh                         full run (quiet machine!)
#   EVENTS=5 USERS=200 DURATION=2 benches/usage_http.sh   end-to-end smoke run
#
# Settings (environment): EVENTS (100), USERS (10000), SLOTS (Event Pro
# slot holders per event, 150), DURATION (seconds per oha run, 10), CONNS
# (connections for /usage and the checks, 8), GATEHOUSE_BIN (a server
# binary instead of this tree's release build), KEEP_TMP=1.
#
# What it does: builds the release binary, starts it on a fresh folder,
# loads org "big" over HTTP (USERS members, 80 % Org Standard and 1 % Org
# Pro; EVENTS events, each with SLOTS slot holders, two collaborators with
# attached users, grants, and refusals counted), and org "other" with one
# event; then measures, one after another:
#   usage     GET /v1/orgs/big/usage
#   what-if   POST /v1/orgs/big/what-if (lower Event Pro, move 5 members,
#             release 10 slots)
#   check     a check on org "other" alone, then the same check while one
#             connection runs what-if on "big" in a loop (check+what-if)
# and prints p50/p99 of each, and the check p99 with and without the loop.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

EVENTS=${EVENTS:-100}
USERS=${USERS:-10000}
SLOTS=${SLOTS:-150}
DURATION=${DURATION:-10}
CONNS=${CONNS:-8}
ADMIN_TOKEN=bench-admin-token
CHECK_TOKEN=bench-check-token
BIN=${GATEHOUSE_BIN:-$ROOT/target/release/gatehouse}

NAME=usage_http.sh
# shellcheck source=benches/common.sh
. "$ROOT/benches/common.sh"

if [ -z "${GATEHOUSE_BIN:-}" ]; then
    say "building (release)..."
    cargo build --release --quiet --bin gatehouse || die "build failed"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-usage.XXXXXX")
SERVER_PID=
LOOP_PID=
cleanup() {
    for pid in $LOOP_PID $SERVER_PID; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [ "${KEEP_TMP:-0}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
"$BIN" --addr "127.0.0.1:$PORT" --snapshot-dir "$TMP/data" \
    --admin-token "$ADMIN_TOKEN" --check-token "$CHECK_TOKEN" \
    --snapshot-interval 0 >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 3000); do
    curl -fs -o /dev/null "$BASE/health" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$TMP/server.log" >&2; die "the server exited"; }
    sleep 0.01
done
curl -fs -o /dev/null "$BASE/health" || die "the server did not start"

say "loading org big: $USERS users, $EVENTS events, $SLOTS slots each..."
t0=$(date +%s)
python3 - "$PORT" "$ADMIN_TOKEN" "$EVENTS" "$USERS" "$SLOTS" <<'EOF'
import http.client, json, random, sys, threading
port, token, n_events, n_users, n_slots = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
n_slots = min(n_slots, n_users)
random.seed(21)
local = threading.local()

def call(method, path, body=None, token=token, ok=(200, 201, 204)):
    if not hasattr(local, "c"):
        local.c = http.client.HTTPConnection("127.0.0.1", int(port))
    local.c.request(method, path, body=None if body is None else json.dumps(body),
                    headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = local.c.getresponse()
    data = r.read()
    if r.status not in ok:
        sys.exit(f"{method} {path}: {r.status} {data[:200]!r}")

def parallel(jobs, threads=16):
    jobs = list(jobs)
    def run(part):
        for job in part:
            call(*job)
    ts = [threading.Thread(target=run, args=(jobs[i::threads],)) for i in range(threads)]
    for t in ts: t.start()
    for t in ts: t.join()

users = [f"u{i:05}" for i in range(n_users)]
call("PUT", "/v1/orgs/big", {"kind": "team"})
call("PUT", "/v1/orgs/big/licenses", {
    "org_standard": n_users, "org_pro": max(1, n_users // 50), "event_pro": n_slots + 10,
    "prices": {"org_standard": 10, "org_pro": 60, "event_pro": 25}})
def license(i):
    return "org_pro" if i % 100 == 0 else ("org_standard" if i % 5 else None)
parallel(("PUT", f"/v1/orgs/big/members/{u}", {"license": license(i)}) for i, u in enumerate(users))
slot_holders = [u for i, u in enumerate(users) if i % 100]
jobs = []
for e in range(n_events):
    ev = f"/v1/orgs/big/events/e{e:03}"
    call("PUT", ev, {"name": f"event {e}"})
    call("PUT", ev + "/collaborators/c1")
    call("PUT", ev + "/collaborators/c2")
    holders = random.sample(slot_holders, min(n_slots, len(slot_holders)))
    jobs += [("PUT", f"{ev}/slots/{u}") for u in holders]
    jobs += [("PUT", f"{ev}/users/{u}/grants/Event.View") for u in holders[:20]]
    free = random.sample(users, 20)
    jobs += [("PUT", f"{ev}/collaborators/c{1 + k % 2}/users/v{e}-{k}") for k in range(10)]
    jobs += [("PUT", f"{ev}/users/{u}/grants/Event.Update") for u in free[:5]]
parallel(jobs)
call("PUT", "/v1/orgs/other", {"kind": "team"})
call("PUT", "/v1/orgs/other/licenses", {"event_pro": 10})
call("PUT", "/v1/orgs/other/events/fest")
call("PUT", "/v1/orgs/other/events/fest/slots/ana")
call("PUT", "/v1/orgs/other/events/fest/users/ana/grants/Event.View")
# Refusals to count: checks of users without a license.
parallel(("GET", f"/v1/orgs/big/events/e{random.randrange(n_events):03}/check?user=x{random.randrange(500)}&permission=Event.View")
         for _ in range(2000))
EOF
say "loaded in $(( $(date +%s) - t0 )) s"

N_SLOTS=$(( SLOTS < USERS ? SLOTS : USERS ))
WHAT_IF=$TMP/what-if.json
python3 - "$EVENTS" "$USERS" "$N_SLOTS" >"$WHAT_IF" <<'EOF'
import json, sys
n_events, n_users, n_slots = map(int, sys.argv[1:4])
print(json.dumps({
    "licenses": {"event_pro": max(0, n_slots - 20), "prices": {"org_pro": 40}},
    "members": {f"u{i:05}": "org_pro" for i in range(1, min(6, n_users))},
    "release_slots": [{"event": f"e{e % n_events:03}", "user": f"u{e + 1:05}"} for e in range(10)],
}))
EOF
AUTH=(-H "Authorization: Bearer $CHECK_TOKEN")
CHECK_URL="$BASE/v1/orgs/other/events/fest/check?user=ana&permission=Event.View"
curl -fs "${AUTH[@]}" "$BASE/v1/orgs/big/usage" -o "$TMP/usage.json" || die "GET /usage failed"
curl -fs "${AUTH[@]}" -X POST -H 'Content-Type: application/json' --data-binary "@$WHAT_IF" \
    "$BASE/v1/orgs/big/what-if" -o "$TMP/what-if-answer.json" || die "POST /what-if failed"
python3 - "$TMP/usage.json" "$TMP/what-if-answer.json" <<'EOF' >&2
import json, sys
u, w = (json.load(open(p)) for p in sys.argv[1:3])
print(f"usage: {len(u['events'])} events, {len(u['advice'])} advice items, cost {u['cost']}")
print(f"what-if: allowed {w['allowed']}, {len(w['errors'])} errors, {len(w['lose_access'])} losing access")
EOF

# run_oha NAME CONNS ARGS...: prints requests/s, p50 and p99 (ms); fails on
# any answer that is not 2xx.
run_oha() {
    local name=$1 conns=$2
    shift 2
    "$OHA" -z "${DURATION}s" -w -c "$conns" --no-tui --output-format json "$@" >"$TMP/$name.json" 2>"$TMP/oha.err" \
        || { cat "$TMP/oha.err" >&2; die "oha failed ($name)"; }
    python3 - "$TMP/$name.json" "$name" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
codes = r["statusCodeDistribution"]
total = sum(codes.values()) + sum(r.get("errorDistribution", {}).values())
ok = sum(n for c, n in codes.items() if c.startswith("2"))
lat = r["metrics"]["latency_ms"]
print(f"  {sys.argv[2]:14} {r['summary']['requestsPerSec']:8.0f} req/s  p50 {lat['p50']:8.3f} ms  p99 {lat['p99']:8.3f} ms  {ok}/{total} 2xx")
if total == 0 or ok < total:
    sys.exit(f"{sys.argv[2]}: {total - ok} answers were not 2xx")
EOF
}

say "measuring ($DURATION s per run)..."
run_oha usage "$CONNS" "${AUTH[@]}" "$BASE/v1/orgs/big/usage"
run_oha what-if 1 "${AUTH[@]}" -m POST -T application/json -D "$WHAT_IF" "$BASE/v1/orgs/big/what-if"
run_oha check "$CONNS" "${AUTH[@]}" "$CHECK_URL"
# What-if in a loop on one connection while the checks on another org run.
"$OHA" -z "$(( DURATION + 2 ))s" -w -c 1 --no-tui --output-format json "${AUTH[@]}" -m POST \
    -T application/json -D "$WHAT_IF" "$BASE/v1/orgs/big/what-if" >"$TMP/loop.json" 2>&1 &
LOOP_PID=$!
sleep 1
run_oha check+what-if "$CONNS" "${AUTH[@]}" "$CHECK_URL"
wait "$LOOP_PID" || die "the what-if loop failed"
LOOP_PID=
say "done"
