#!/usr/bin/env bash
# Cluster benchmark: three nodes and HAProxy on this machine against one
# process, with oha, in the same run (the nodes, HAProxy and oha share the
# cores: compare the ratios, not the absolute numbers).
#
#   benches/cluster.sh                      10 s per run, 5 failover trials
#   DURATION=3 TRIALS=2 benches/cluster.sh  smoke run
#
# Settings (environment): DURATION (seconds per oha run), TRIALS (failover
# trials), CONNS (connections, 64), KEEP_TMP=1 (keep the folders and logs).
#
# Prints:
# - checks/s on one process and through HAProxy, and their ratio (target
#   at least 0.5);
# - durable writes/s (a new grant each request) on one process and
#   replicated through HAProxy, and their ratio (target at least 0.3);
# - failover time, kill -9 of the shard's leader to the first write
#   answered through HAProxy, each trial and the median (target at most 3 s);
# - each node's memory (VmRSS) after the runs.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-10}
TRIALS=${TRIALS:-5}
CONNS=${CONNS:-64}
TOKEN=bench-admin-token
BIN=$ROOT/target/release/gatehouse

NAME=cluster.sh
# shellcheck source=benches/common.sh
. "$ROOT/benches/common.sh"

HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$HAPROXY" ] || die "haproxy is required (apt-get install haproxy)"

say "building (release)..."
cargo build --release --quiet --bin gatehouse || die "build failed"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-cluster.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill -CONT "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if [ "${KEEP_TMP:-0}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rss_mb() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
AUTH=(-H "Authorization: Bearer $TOKEN")
call() { # METHOD URL [BODY]: prints the status
    curl -s -o /dev/null -w '%{http_code}' -X "$1" "${AUTH[@]}" \
        -H 'content-type: application/json' ${3:+--data "$3"} "$2"
}
wait_for() { # URL STATUS: until the URL answers STATUS (60 s at most)
    local t0
    t0=$(now_ms)
    until [ "$(call GET "$1")" = "$2" ]; do
        [ $(( $(now_ms) - t0 )) -lt 60000 ] || die "$1 never answered $2"
        sleep 0.05
    done
}

# The org every run uses: one event, a member with a slot and a grant.
setup() { # BASE
    local e=$1/v1/orgs/acme/events/e1
    [ "$(call PUT "$1/v1/orgs/acme" '{"kind":"team"}')" = 201 ] || die "cannot create the org"
    call PUT "$1/v1/orgs/acme/licenses" '{"event_pro":10}' >/dev/null
    call PUT "$e" >/dev/null
    call PUT "$e/slots/ana" >/dev/null
    [ "$(call PUT "$e/users/ana/grants/Event.View")" = 201 ] || die "cannot grant"
}

# rps NAME ARGS...: one oha run; prints requests/s of the 2xx answers.
rps() {
    local name=$1
    shift
    "$OHA" -z "${DURATION}s" -w -c "$CONNS" --no-tui --output-format json "$@" \
        >"$TMP/$name.json" 2>"$TMP/oha.err" || { cat "$TMP/oha.err" >&2; die "oha failed ($name)"; }
    python3 - "$TMP/$name.json" "$DURATION" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
ok = sum(n for c, n in r["statusCodeDistribution"].items() if c.startswith("2"))
print(f"{ok / float(sys.argv[2]):.0f}")
EOF
}
check_url() { echo "$1/v1/orgs/acme/events/e1/check?user=ana&permission=Event.View"; }
write_regex() { echo "$1/v1/orgs/acme/events/e1/users/u[0-9]{12}/grants/Event.View"; }

# --- one process -----------------------------------------------------------
PORT=$(free_port)
SINGLE=http://127.0.0.1:$PORT
"$BIN" --addr "127.0.0.1:$PORT" --snapshot-dir "$TMP/single" --admin-token "$TOKEN" \
    --snapshot-interval 0 >"$TMP/single.log" 2>&1 &
SINGLE_PID=$!
PIDS+=("$SINGLE_PID")
wait_for "$SINGLE/health" 200
setup "$SINGLE"
say "one process: checks..."
CHECK_1=$(rps check-1 "${AUTH[@]}" "$(check_url "$SINGLE")")
say "one process: durable writes..."
WRITE_1=$(rps write-1 "${AUTH[@]}" -m PUT --rand-regex-url "$(write_regex "$SINGLE")")
kill -TERM "$SINGLE_PID"
wait "$SINGLE_PID" || true

# --- three nodes and HAProxy -----------------------------------------------
FILE=$TMP/cluster.toml
printf 'shards = 1\nsecret = "a-benchmark-cluster-secret"\n' >"$FILE"
ADDRS=()
for i in 1 2 3; do
    p=$(free_port)
    r=$(free_port)
    ADDRS+=("127.0.0.1:$p")
    printf '[[nodes]]\nid = "n%s"\naddr = "127.0.0.1:%s"\nraft_addr = "127.0.0.1:%s"\n' \
        "$i" "$p" "$r" >>"$FILE"
done
NODE_PIDS=(0 0 0)
start_node() { # INDEX (0-based)
    "$BIN" --cluster "$FILE" --node "n$(( $1 + 1 ))" --snapshot-dir "$TMP/n$1" \
        --admin-token "$TOKEN" >>"$TMP/n$1.log" 2>&1 &
    NODE_PIDS[$1]=$!
    PIDS+=("$!")
}
for i in 0 1 2; do start_node "$i"; done
PROXY_PORT=$(free_port)
PROXY=http://127.0.0.1:$PROXY_PORT
"$BIN" cluster haproxy "$FILE" --bind "127.0.0.1:$PROXY_PORT" >"$TMP/haproxy.cfg"
"$HAPROXY" -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.log" 2>&1 &
PIDS+=("$!")
# An org no one made: 404 from the leader, once HAProxy found it.
wait_for "$PROXY/v1/orgs/nobody" 404
setup "$PROXY"
say "cluster: checks through HAProxy..."
CHECK_3=$(rps check-3 "${AUTH[@]}" "$(check_url "$PROXY")")
say "cluster: replicated writes through HAProxy..."
WRITE_3=$(rps write-3 "${AUTH[@]}" -m PUT --rand-regex-url "$(write_regex "$PROXY")")
RSS=()
for i in 0 1 2; do RSS+=("$(rss_mb "${NODE_PIDS[$i]}")"); done

# --- failover ----------------------------------------------------------------
leader() { # prints the index of the node answering 200 on the leader route
    local i
    for i in 0 1 2; do
        if [ "$(call GET "http://${ADDRS[$i]}/v1/cluster/shards/0/leader")" = 200 ]; then
            echo "$i"
            return
        fi
    done
    echo none
}
FAILOVERS=()
for t in $(seq "$TRIALS"); do
    l=none
    until [ "$l" != none ]; do l=$(leader); sleep 0.05; done
    say "failover trial $t: killing n$(( l + 1 ))"
    t0=$(now_ms)
    kill -9 "${NODE_PIDS[$l]}"
    wait "${NODE_PIDS[$l]}" 2>/dev/null || true
    n=0
    until case $(call PUT "$PROXY/v1/orgs/acme/events/e1/users/f$t-$n/grants/Event.View") in 2*) true ;; *) false ;; esac; do
        n=$(( n + 1 ))
        [ $(( $(now_ms) - t0 )) -lt 60000 ] || die "no write answered within 60 s of the kill"
    done
    FAILOVERS+=("$(( $(now_ms) - t0 ))")
    start_node "$l"
    wait_for "http://${ADDRS[$l]}/health" 200
    sleep 2 # let it catch up before the next trial
done

python3 - "$CHECK_1" "$CHECK_3" "$WRITE_1" "$WRITE_3" "${RSS[*]}" "${FAILOVERS[*]}" <<'EOF'
import statistics, sys
c1, c3, w1, w3 = (float(x) for x in sys.argv[1:5])
rss = sys.argv[5].split()
fo = [int(x) for x in sys.argv[6].split()]
def ratio(a, b): return a / b if b else 0
print(f"checks/s:  one process {c1:.0f}, through HAProxy {c3:.0f}: {ratio(c3, c1):.2f}x (target >= 0.5)")
print(f"writes/s:  one process {w1:.0f}, replicated {w3:.0f}: {ratio(w3, w1):.2f}x (target >= 0.3)")
print(f"failover:  {', '.join(f'{x} ms' for x in fo)}; median {statistics.median(fo):.0f} ms (target <= 3000)")
print(f"memory:    {', '.join(f'n{i + 1} {m} MB' for i, m in enumerate(rss))} (VmRSS after the runs)")
EOF
