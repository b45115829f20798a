#!/usr/bin/env bash
# Load benchmark of the gatehouse server over HTTP, with oha.
#
#   benches/load.sh             full run: scale 1 dataset, 10 s per run, 2 A/B rounds
#   QUICK=1 benches/load.sh     smoke test: scale 0.1, 3 s per run, 1 round
#
# Settings (environment): SCALE, DURATION (seconds per run), ROUNDS (A/B
# pairs per scenario), CONNS (connections, 64), SCENARIOS (subset of
# "hot spread batch durable snapshot"; snapshot is the hot check while a
# snapshot is taken every second), SERVER_RUST_LOG (the server's RUST_LOG,
# default info as shipped), WORKERS (the server's --workers, default its
# own: one per core), GATEHOUSE_BIN (a server binary to measure instead of
# this tree's, e.g. a variant build), CACHE_DIR (datasets, default
# target/bench-data), KEEP_TMP=1 (keep the snapshot folder and server log).
#
# What it does: builds the release binary and the dataset example, writes
# the dataset snapshot (cached by scale and by the hash of
# examples/dataset.rs), measures an empty server's memory, starts the server
# on the dataset (--restore) and times until /health answers, times an
# on-demand snapshot, then runs each scenario alternately with GET /health
# (health, X, health, X, ...) so drift on the shared machine cancels, and
# prints requests/s, p50, p99, the ratio to /health of the same rounds, the
# server's CPU time and context switches per request, and its memory
# (VmRSS) empty, loaded, after the snapshots and after each scenario. oha runs on the same 2 cores as the
# server: compare ratios more than absolute numbers.
#
# Exits non-zero only on real failures: a build, the dataset or the server
# failing, oha missing and not installable, or a scenario whose answers are
# not (almost all) the expected 2xx.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
    SCALE=${SCALE:-0.1}
    DURATION=${DURATION:-3}
    ROUNDS=${ROUNDS:-1}
else
    SCALE=${SCALE:-1}
    DURATION=${DURATION:-10}
    ROUNDS=${ROUNDS:-2}
fi
CONNS=${CONNS:-64}
SCENARIOS=${SCENARIOS:-hot spread batch durable snapshot}
SERVER_RUST_LOG=${SERVER_RUST_LOG:-info}
CACHE_DIR=${CACHE_DIR:-$ROOT/target/bench-data}
ADMIN_TOKEN=bench-admin-token
CHECK_TOKEN=bench-check-token
# GATEHOUSE_BIN: measure another build of the server (e.g. a variant in a
# scratch checkout) against the same dataset; the default is built here.
BIN=${GATEHOUSE_BIN:-$ROOT/target/release/gatehouse}

NAME=load.sh
# shellcheck source=benches/common.sh
. "$ROOT/benches/common.sh"

# --- build and dataset -------------------------------------------------------
say "building (release)..."
cargo build --release --quiet --bin gatehouse --example dataset || die "build failed"

mkdir -p "$CACHE_DIR"
DS_HASH=$(sha1sum examples/dataset.rs | cut -c1-10)
DATASET=$CACHE_DIR/dataset-$SCALE-$DS_HASH.bin
CHECKS=$CACHE_DIR/dataset-$SCALE-$DS_HASH.checks
COUNTS=$CACHE_DIR/dataset-$SCALE-$DS_HASH.counts
# Datasets of older versions of examples/dataset.rs are stale: drop them.
for old in "$CACHE_DIR"/dataset-*; do
    case $old in *-"$DS_HASH".*) ;; *) rm -f "$old" ;; esac
done
if [ ! -s "$DATASET" ] || [ ! -s "$CHECKS" ] || [ ! -s "$COUNTS" ]; then
    say "generating the dataset at scale $SCALE..."
    "$ROOT/target/release/examples/dataset" --scale "$SCALE" --out "$DATASET" \
        --checks-out "$CHECKS" | tee "$COUNTS.tmp" >&2 || die "dataset generation failed"
    mv "$COUNTS.tmp" "$COUNTS"
else
    say "using the cached dataset $DATASET"
fi
count() { grep '^COUNTS' "$COUNTS" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
N_ORGS=$(count orgs)
N_EVENTS=$(count events)
N_GRANTS=$(count grants)
N_MEMBERS=$(count members)

# --- server control ------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-load.XXXXXX")
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${KEEP_TMP:-0}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

now_ns() { date +%s%N; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# utime + stime of the whole process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)
# The machine's CPU time so far and the part of it stolen by the host (a
# VM's neighbours): "total steal" in clock ticks, from /proc/stat.
cpu_steal() { awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $9}' /proc/stat; }
# Context switches of all the server's threads (voluntary + involuntary).
ctx_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches:/ {n += $2} END {print n + 0}'; }

# start_server NAME [extra args...]: sets SERVER_PID, PORT, BASE, READY_MS.
start_server() {
    local name=$1
    shift
    PORT=$(free_port)
    BASE=http://127.0.0.1:$PORT
    local dir=$TMP/$name
    mkdir -p "$dir"
    local t0
    t0=$(now_ns)
    env RUST_LOG="$SERVER_RUST_LOG" ${WORKERS:+GATEHOUSE_WORKERS="$WORKERS"} "$BIN" \
        --addr "127.0.0.1:$PORT" --snapshot-dir "$dir" \
        --admin-token "$ADMIN_TOKEN" --check-token "$CHECK_TOKEN" \
        --snapshot-interval 0 "$@" >"$TMP/$name.log" 2>&1 &
    SERVER_PID=$!
    while ! curl -fs -o /dev/null "$BASE/health"; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            tail -20 "$TMP/$name.log" >&2
            SERVER_PID=
            die "the server ($name) exited during start-up"
        fi
        if [ $(( ($(now_ns) - t0) / 1000000000 )) -gt 600 ]; then
            die "the server ($name) did not answer /health within 600 s"
        fi
        sleep 0.01
    done
    READY_MS=$(( ($(now_ns) - t0) / 1000000 ))
}

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
    SERVER_PID=
}

# --- memory of an empty server -------------------------------------------------
say "starting an empty server..."
start_server empty
sleep 1
RSS_EMPTY=$(rss_kb "$SERVER_PID")
stop_server

# --- restore ----------------------------------------------------------------------
say "starting the server on the dataset ($N_EVENTS events, $N_GRANTS grants)..."
start_server loaded --restore "$DATASET"
RESTORE_MS=$READY_MS
sleep 1
RSS_LOADED=$(rss_kb "$SERVER_PID")
say "  /health after ${RESTORE_MS} ms, VmRSS ${RSS_LOADED} kB (empty server: ${RSS_EMPTY} kB)"

# --- snapshot ---------------------------------------------------------------------
SNAP_S=()
SNAP_BYTES=0
for _ in 1 2; do
    out=$(curl -fsS -X POST -H "Authorization: Bearer $ADMIN_TOKEN" \
        -w ' %{time_total}' "$BASE/v1/admin/snapshot") || die "POST /v1/admin/snapshot failed"
    SNAP_S+=("${out##* }")
    SNAP_BYTES=$(printf '%s' "${out% *}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes"])')
done
RSS_SNAP=$(rss_kb "$SERVER_PID")
say "  snapshot: ${SNAP_S[*]} s, $SNAP_BYTES bytes; VmRSS after them ${RSS_SNAP} kB"

# --- request inputs ------------------------------------------------------------------
HOT_LINE=$(head -1 "$CHECKS")
IFS=$'\t' read -r HOT_ORG HOT_EVENT HOT_USER HOT_PERM _ _ <<<"$HOT_LINE"
HOT_URL="$BASE/v1/orgs/$HOT_ORG/events/$HOT_EVENT/check?user=$HOT_USER&permission=$HOT_PERM"

URLS=$TMP/spread.urls
awk -F'\t' -v base="$BASE" 'NR > 1 {
    q = "user=" $3 "&permission=" $4
    if ($5 != "-") q = q "&collaborator=" $5
    if ($6 != "-") q = q "&area=" $6
    print base "/v1/orgs/" $1 "/events/" $2 "/check?" q
}' "$CHECKS" >"$URLS"

# /health from a URL file as long as the spread one (distinct URLs, the query
# ignored): the spread scenario's baseline with the same client-side cost,
# since oha spends more per request reading varied URLs than repeating one.
HEALTH_URLS=$TMP/health.urls
awk -v base="$BASE" '{print base "/health?n=" NR}' "$URLS" >"$HEALTH_URLS"

# 100 checks on the 10 events of o00000: its members with a mix of
# Event, Collaborator and Area permissions (granted, denied, no license).
BATCH=$TMP/batch.json
python3 - "$BATCH" <<'EOF'
import json, sys
perms = [("Event.View", None, None), ("Event.ScheduleEdit", None, None),
         ("Collaborator.AdvanceView", "c1", None), ("Collaborator.FileUpload", "c3", None),
         ("Area.View", None, "a0"), ("Area.ScheduleView", None, "a2")]
checks = []
for i in range(100):
    p, c, a = perms[i % len(perms)]
    item = {"event": f"e{i % 10:02}", "user": f"u{(i * 7) % 100:07}", "permission": p}
    if c: item["collaborator"] = c
    if a: item["area"] = a
    checks.append(item)
json.dump({"checks": checks}, open(sys.argv[1], "w"))
EOF

# Durable writes: a slot for a random new user on o00000/e09 (Event Pro at
# the maximum), so nearly every request is a new journaled, fsynced write.
DURABLE_REGEX="$BASE/v1/orgs/o00000/events/e09/slots/w[0-9]{12}"

# Sanity: each request shape answers as expected before it is measured.
expect() {
    local want=$1
    shift
    local got
    got=$(curl -s -o "$TMP/probe.out" -w '%{http_code}' "$@")
    [ "$got" = "$want" ] || { cat "$TMP/probe.out" >&2; die "probe $* answered $got, not $want"; }
}
AUTH_C=(-H "Authorization: Bearer $CHECK_TOKEN")
AUTH_A=(-H "Authorization: Bearer $ADMIN_TOKEN")
expect 200 "${AUTH_C[@]}" "$HOT_URL"
grep -q '"allowed":true' "$TMP/probe.out" || die "the hot check is not granted: $(cat "$TMP/probe.out")"
expect 200 "${AUTH_C[@]}" "$(sed -n 1p "$URLS")"
expect 200 "${AUTH_C[@]}" -X POST -H 'Content-Type: application/json' --data-binary "@$BATCH" "$BASE/v1/orgs/o00000/check"
expect 201 "${AUTH_A[@]}" -X PUT "$BASE/v1/orgs/o00000/events/e09/slots/probe-user"

# --- measurement ----------------------------------------------------------------------
# run_oha NAME ARGS...: one oha run; appends "rps p50_ms p99_ms ok_fraction cpu_us_per_req"
# to $TMP/NAME.runs.
FAILED=0
run_oha() {
    local name=$1
    shift
    local out=$TMP/oha.json
    local c0 c1 s0 s1 st0 st1
    c0=$(cpu_ticks "$SERVER_PID")
    s0=$(ctx_switches "$SERVER_PID")
    st0=$(cpu_steal)
    "$OHA" -z "${DURATION}s" -w -c "$CONNS" --no-tui --output-format json "$@" >"$out" 2>"$TMP/oha.err" \
        || { cat "$TMP/oha.err" >&2; die "oha failed ($name)"; }
    c1=$(cpu_ticks "$SERVER_PID")
    s1=$(ctx_switches "$SERVER_PID")
    st1=$(cpu_steal)
    python3 - "$out" "$name" "$(( c1 - c0 ))" "$CLK_TCK" "$TMP/$name.runs" "$(( s1 - s0 ))" "$st0" "$st1" <<'EOF'
import json, sys
path, name, ticks, hz, runs, switches = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
(t0, st0), (t1, st1) = (map(int, a.split()) for a in sys.argv[7:9])
steal = (st1 - st0) / (t1 - t0) * 100 if t1 > t0 else 0
r = json.load(open(path))
codes = r["statusCodeDistribution"]
total = sum(codes.values()) + sum(r.get("errorDistribution", {}).values())
ok = sum(n for c, n in codes.items() if c.startswith("2"))
rps = r["summary"]["requestsPerSec"]
p50, p99 = r["metrics"]["latency_ms"]["p50"], r["metrics"]["latency_ms"]["p99"]
cpu_us = ticks / hz * 1e6 / total if total else 0
cs = switches / total if total else 0
with open(runs, "a") as f:
    f.write(f"{rps:.1f} {p50:.3f} {p99:.3f} {ok / total if total else 0:.4f} {cpu_us:.1f} {cs:.3f} {steal:.1f}\n")
print(f"    {name:14} {rps:8.0f} req/s  p50 {p50:7.3f} ms  p99 {p99:7.3f} ms  "
      f"{ok}/{total} 2xx  server CPU {cpu_us:6.1f} us/req  {cs:5.2f} ctx sw/req  steal {steal:4.1f}%", file=sys.stderr)
EOF
}

health() { run_oha "$1" "$BASE/health"; }
scenario() {
    case $1 in
        hot) run_oha hot "${AUTH_C[@]}" "$HOT_URL" ;;
        spread) run_oha spread "${AUTH_C[@]}" --urls-from-file "$URLS" ;;
        batch) run_oha batch "${AUTH_C[@]}" -m POST -T application/json -D "$BATCH" "$BASE/v1/orgs/o00000/check" ;;
        durable) run_oha durable "${AUTH_A[@]}" -m PUT --rand-regex-url "$DURABLE_REGEX" ;;
        snapshot)
            # The hot check while a snapshot is taken every second (the
            # default interval is 60 s).
            (
                while :; do
                    curl -fsS -o /dev/null -X POST "${AUTH_A[@]}" "$BASE/v1/admin/snapshot" || break
                    echo >>"$TMP/snapshots-taken"
                    sleep 1
                done
            ) &
            local taker=$!
            run_oha snapshot "${AUTH_C[@]}" "$HOT_URL"
            kill "$taker" 2>/dev/null || true
            wait "$taker" 2>/dev/null || true
            ;;
        *) die "unknown scenario $1" ;;
    esac
}

say "measuring: $CONNS connections, ${DURATION} s per run, $ROUNDS A/B round(s) per scenario"
for s in $SCENARIOS; do
    say "  $s:"
    for _ in $(seq "$ROUNDS"); do
        health "health-$s"
        if [ "$s" = spread ]; then
            run_oha health-urls --urls-from-file "$HEALTH_URLS"
        fi
        scenario "$s"
    done
    echo "$s $(rss_kb "$SERVER_PID")" >>"$TMP/rss-after"
    say "    VmRSS after $s: $(rss_kb "$SERVER_PID") kB"
done
RSS_AFTER=$(rss_kb "$SERVER_PID")
stop_server

# --- report -------------------------------------------------------------------------------
status=0
python3 - "$TMP" "$SCENARIOS" <<EOF || status=$?
import statistics as st, sys, os
tmp, scenarios = sys.argv[1], sys.argv[2].split()
def runs(name):
    p = os.path.join(tmp, name + ".runs")
    if not os.path.exists(p): return None
    rows = [list(map(float, l.split())) for l in open(p) if l.strip()]
    return [st.mean(col) for col in zip(*rows)]
print()
print("gatehouse load benchmark: scale $SCALE ($N_ORGS orgs, $N_EVENTS events, $N_MEMBERS members, $N_GRANTS grants)")
print("  $CONNS connections, ${DURATION} s per run, $ROUNDS A/B round(s); nproc $(nproc); server RUST_LOG=$SERVER_RUST_LOG, workers ${WORKERS:-default}")
print()
print(f"  {'scenario':10} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'/health':>8} {'2xx':>7} {'CPU us/req':>10} {'cs/req':>7} {'steal':>6}   (/health of the same rounds)")
res, failed = {}, False
for s in scenarios:
    x, h = runs(s), runs("health-" + s)
    if not x or not h: continue
    res[s] = x
    ratio = x[0] / h[0] if h[0] else 0
    print(f"  {s:10} {x[0]:10.0f} {x[1]:8.3f} {x[2]:8.3f} {ratio:8.3f} {x[3]*100:6.1f}% {x[4]:10.1f} {x[5]:7.2f} {x[6]:5.1f}%   ({h[0]:.0f} req/s, p50 {h[1]:.3f} ms, {h[4]:.1f} us/req, steal {h[6]:.1f}%)")
    if x[3] < 0.99: failed = True
allh = [runs("health-" + s) for s in scenarios if runs("health-" + s)]
if allh:
    print(f"  {'health':10} {st.mean(h[0] for h in allh):10.0f} {st.mean(h[1] for h in allh):8.3f} {st.mean(h[2] for h in allh):8.3f} {1:8.3f} {'':>7} {st.mean(h[4] for h in allh):10.1f} {st.mean(h[5] for h in allh):7.2f} {st.mean(h[6] for h in allh):5.1f}%   (mean of all health runs)")
    print("  steal: CPU time the VM's host took for others during the runs; above a few % the absolute numbers are low, the ratios still hold")
print()
single = res.get("spread") or res.get("hot")
if "batch" in res and single:
    print(f"  batch: {res['batch'][0] * 100:.0f} checks/s (100 per request) = {res['batch'][0] * 100 / single[0]:.2f}x single checks/s ({single[0]:.0f}, {'spread' if 'spread' in res else 'hot'})")
hu = runs("health-urls")
if "spread" in res and hu:
    print(f"  spread vs /health read from a URL file of the same length ({hu[0]:.0f} req/s, {hu[4]:.1f} us/req): {res['spread'][0] / hu[0]:.3f}")
if "snapshot" in res and "hot" in res:
    taken = sum(1 for _ in open(os.path.join(tmp, "snapshots-taken"))) if os.path.exists(os.path.join(tmp, "snapshots-taken")) else 0
    print(f"  hot check while {taken} snapshots were taken, one a second: {res['snapshot'][0]:.0f} req/s = {res['snapshot'][0] / res['hot'][0]:.3f}x the hot check alone, p99 {res['snapshot'][2]:.3f} ms (alone {res['hot'][2]:.3f} ms)")
if "durable" in res and "hot" in res:
    print(f"  durable slot assignment: {res['durable'][0]:.0f} writes/s = {res['durable'][0] / res['hot'][0]:.3f}x the hot single-check throughput")
print()
snaps = "${SNAP_S[*]}".split()
grants, events = int("$N_GRANTS"), int("$N_EVENTS")
delta = (int("$RSS_LOADED") - int("$RSS_EMPTY")) * 1024
print(f"  restore: {int('$RESTORE_MS') / 1000:.2f} s from process start to /health (includes the start-up snapshot --restore writes)")
print(f"  snapshot (POST /v1/admin/snapshot): {', '.join(s + ' s' for s in snaps)}; {int('$SNAP_BYTES') / 1e6:.1f} MB")
print(f"  memory: VmRSS empty {int('$RSS_EMPTY') / 1024:.0f} MiB, loaded {int('$RSS_LOADED') / 1024:.0f} MiB, after the 2 snapshots {int('$RSS_SNAP') / 1024:.0f} MiB, after the runs {int('$RSS_AFTER') / 1024:.0f} MiB")
after = [l.split() for l in open(os.path.join(tmp, "rss-after")) if l.strip()]
print("  VmRSS after each scenario: " + ", ".join(f"{n} {int(kb) / 1024:.0f} MiB" for n, kb in after))
print(f"  RSS delta / grants = {delta / grants:.0f} B per grant; delta / events = {delta / events:.0f} B per event actor (each the whole delta)")
sys.exit(3 if failed else 0)
EOF
if [ $status -eq 3 ]; then
    say "load.sh: some scenario answered less than 99% 2xx (see the table)"
    exit 1
fi
exit $status
