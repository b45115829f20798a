#!/usr/bin/env bash
# Gatehouse against PostgreSQL, on the same data and the same machine.
#
#   benches/compare/postgres.sh            16 and 64 connections, 10 s runs, 2 rounds
#   QUICK=1 benches/compare/postgres.sh    64 connections, 3 s runs, 1 round
#
# Settings (environment): CONNS ("16 64"), DURATION (seconds per run),
# ROUNDS (alternating rounds per connection count), USERS (150),
# GATEHOUSE_BIN (a server binary to measure instead of this tree's release
# build), PG_VIA (tcp: pgbench connects to 127.0.0.1 as oha does to
# Gatehouse, the default; socket: through PostgreSQL's Unix socket, which
# skips the TCP stack that every HTTP request pays), KEEP_TMP=1 (keep the
# folders and logs).
#
# The data, loaded into both: one event `show` with an area `main-stage`
# and a collaborator `band`; USERS users u0…u149, each with an Event Pro
# slot and 4 grants (Event.View, Event.FileView, Area.ScheduleEdit on
# main-stage, Collaborator.AdvanceEdit on band). In PostgreSQL they are
# plain tables: events(id, cap, used), slots(event, user_id),
# grants(event, user_id, permission, scope), with primary keys.
#
# What is measured, Gatehouse then PostgreSQL in each round:
# - check: may a random user view the schedule of main-stage? Gatehouse's
#   `GET …/check` (oha, random users) against PostgreSQL's best form of the
#   same question as one prepared statement (`pgbench -M prepared`): the
#   user holds a slot and a grant that covers the permission (the client
#   names the covering permissions, so no implication logic runs in SQL).
# - batch: Gatehouse's `POST /check` with 100 checks, counted in checks/s,
#   against the same prepared check.
# - writes: Gatehouse's durable slot assignment (a new user each time,
#   journaled and fsynced before the answer) against PostgreSQL's claim and
#   release of a slot on one event: the event row locked (`FOR UPDATE`),
#   the pool's count checked, the slot inserted and the count raised, then
#   the same in reverse; each a transaction with a durable commit
#   (`synchronous_commit=on`, `fsync=on`), so one pgbench transaction is
#   two durable writes and is counted as two.
#
# PostgreSQL (Debian's `postgresql`, with pgbench) is installed with
# apt-get when missing, initialised in a temporary folder, listens only on
# a Unix socket there and on a free loopback port, and is stopped at the
# end. Both servers, oha and pgbench share the machine's cores: the ratios
# of one run mean more than the absolute numbers.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
    CONNS=${CONNS:-64}
    DURATION=${DURATION:-3}
    ROUNDS=${ROUNDS:-1}
else
    CONNS=${CONNS:-16 64}
    DURATION=${DURATION:-10}
    ROUNDS=${ROUNDS:-2}
fi
USERS=${USERS:-150}
PG_VIA=${PG_VIA:-tcp}
case "$PG_VIA" in tcp | socket) ;; *) echo "PG_VIA is tcp or socket, not $PG_VIA" >&2; exit 1 ;; esac
ADMIN_TOKEN=compare-admin-token
CHECK_TOKEN=compare-check-token
BIN=${GATEHOUSE_BIN:-$ROOT/target/release/gatehouse}

NAME=postgres.sh
# shellcheck source=benches/common.sh
. "$ROOT/benches/common.sh"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/pgbench" ]; then
    say "PostgreSQL is missing: installing it with apt-get"
    apt-get install -y postgresql >&2 || { apt-get update >&2 && apt-get install -y postgresql >&2; } \
        || die "cannot install postgresql"
fi
PG=$(pg_bin)
# PostgreSQL refuses to run as root: run it as the postgres user then.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root, and there is no postgres user to run PostgreSQL as"
    AS_PG=(runuser -u postgres --)
else
    AS_PG=()
fi

say "building (release)..."
if [ -z "${GATEHOUSE_BIN:-}" ]; then
    cargo build --release --quiet --bin gatehouse || die "build failed"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-compare.XXXXXX")
chmod 755 "$TMP"
SERVER_PID=
PGDIR=$TMP/pg
PGDATA=$PGDIR/data
PG_STARTED=0
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "$PG_STARTED" = 1 ]; then
        "${AS_PG[@]}" "$PG/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ "${KEEP_TMP:-0}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT


# --- Gatehouse ------------------------------------------------------------------
GH_PORT=$(free_port)
GH=http://127.0.0.1:$GH_PORT
mkdir -p "$TMP/gatehouse"
"$BIN" --addr "127.0.0.1:$GH_PORT" --snapshot-dir "$TMP/gatehouse" \
    --admin-token "$ADMIN_TOKEN" --check-token "$CHECK_TOKEN" \
    --snapshot-interval 0 >"$TMP/gatehouse.log" 2>&1 &
SERVER_PID=$!
deadline=$((SECONDS + 60))
until curl -fs -o /dev/null "$GH/health"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$TMP/gatehouse.log" >&2; die "gatehouse exited during start-up"; }
    [ $SECONDS -lt $deadline ] || die "gatehouse did not answer /health within 60 s"
    sleep 0.05
done

say "loading $USERS users into Gatehouse..."
python3 - "$GH_PORT" "$ADMIN_TOKEN" "$USERS" <<'EOF' || die "loading Gatehouse failed"
import http.client, json, sys
port, token, users = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port)
def put(path, body=None, want=(200, 201)):
    data = json.dumps(body) if body is not None else None
    conn.request("PUT", "/v1/orgs/bench" + path, body=data, headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = conn.getresponse()
    text = r.read()
    if r.status not in want:
        sys.exit(f"PUT {path}: {r.status} {text!r}")
conn.request("PUT", "/v1/orgs/bench", body='{"kind":"team"}', headers={
    "Authorization": "Bearer " + token, "Content-Type": "application/json"})
r = conn.getresponse(); r.read()
put("/licenses", {"event_pro": 1000000})
put("/events/show")
put("/events/show/areas/main-stage")
put("/events/show/collaborators/band")
for i in range(users):
    u = f"u{i}"
    put(f"/events/show/slots/{u}")
    for g in ["Event.View", "Event.FileView", "Area.ScheduleEdit?area=main-stage",
              "Collaborator.AdvanceEdit?collaborator=band"]:
        put(f"/events/show/users/{u}/grants/{g}")
EOF

# Users u0…u(USERS-1) as an oha regex: u then 0 … USERS-1.
USER_RE=$(python3 -c "import sys; n=int(sys.argv[1]); print('u(' + '|'.join(str(i) for i in range(n)) + ')')" "$USERS")
CHECK_URL_RE="$GH/v1/orgs/bench/events/show/check\\?user=$USER_RE&permission=Area.ScheduleView&area=main-stage"
BATCH=$TMP/batch.json
python3 - "$BATCH" "$USERS" <<'EOF'
import json, random, sys
random.seed(7)
n = int(sys.argv[2])
checks = [{"event": "show", "user": f"u{random.randrange(n)}",
           "permission": "Area.ScheduleView", "area": "main-stage"} for _ in range(100)]
json.dump({"checks": checks}, open(sys.argv[1], "w"))
EOF
probe=$(curl -fsS -H "Authorization: Bearer $CHECK_TOKEN" \
    "$GH/v1/orgs/bench/events/show/check?user=u0&permission=Area.ScheduleView&area=main-stage") \
    || die "the probe check failed"
case $probe in *'"allowed":true'*) ;; *) die "the probe check is not granted: $probe" ;; esac

# --- PostgreSQL -----------------------------------------------------------------
say "starting PostgreSQL ($PG)..."
PG_PORT=$(free_port)
mkdir -p "$PGDATA"
[ "${#AS_PG[@]}" = 0 ] || chown -R postgres "$PGDIR"
"${AS_PG[@]}" "$PG/initdb" -D "$PGDATA" -U bench --auth=trust >"$PGDIR/initdb.log" 2>&1 \
    || { cat "$PGDIR/initdb.log" >&2; die "initdb failed"; }
"${AS_PG[@]}" "$PG/pg_ctl" -D "$PGDATA" -l "$PGDIR/postgres.log" -w -o \
    "-p $PG_PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB -c fsync=on -c synchronous_commit=on" \
    start >/dev/null || { cat "$PGDIR/postgres.log" >&2; die "PostgreSQL did not start"; }
PG_STARTED=1
psql_() { "${AS_PG[@]}" "$PG/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$PG_PORT" -U bench "$@"; }
psql_ -d postgres -c "CREATE DATABASE bench" >/dev/null
say "loading $USERS users into PostgreSQL..."
psql_ -d bench >/dev/null <<EOF
CREATE TABLE events (id text PRIMARY KEY, cap int NOT NULL, used int NOT NULL DEFAULT 0);
CREATE TABLE slots (event text NOT NULL REFERENCES events, user_id text NOT NULL, PRIMARY KEY (event, user_id));
CREATE TABLE grants (event text NOT NULL REFERENCES events, user_id text NOT NULL,
                     permission text NOT NULL, scope text NOT NULL,
                     PRIMARY KEY (event, user_id, permission, scope));
INSERT INTO events VALUES ('show', 1000000, $USERS), ('w', 1000000, 0);
INSERT INTO slots SELECT 'show', 'u' || i FROM generate_series(0, $USERS - 1) i;
INSERT INTO grants SELECT 'show', 'u' || i, p, s FROM generate_series(0, $USERS - 1) i,
  (VALUES ('Event.View', ''), ('Event.FileView', ''), ('Area.ScheduleEdit', 'area/main-stage'),
          ('Collaborator.AdvanceEdit', 'collaborator/band')) g(p, s);
VACUUM ANALYZE;
EOF
# The check: a slot (the license) and a grant covering Area.ScheduleView on
# main-stage: Area.ScheduleView or Area.ScheduleEdit there, or an
# event-wide Event.ScheduleView, Event.ScheduleEdit or Event.Admin.
cat >"$PGDIR/check.sql" <<EOF
\set n random(0, $((USERS - 1)))
SELECT EXISTS (SELECT 1 FROM slots WHERE event = 'show' AND user_id = 'u' || :n)
   AND EXISTS (SELECT 1 FROM grants WHERE event = 'show' AND user_id = 'u' || :n
               AND ((scope = 'area/main-stage' AND permission IN ('Area.ScheduleView', 'Area.ScheduleEdit'))
                 OR (scope = '' AND permission IN ('Event.ScheduleView', 'Event.ScheduleEdit', 'Event.Admin'))));
EOF
cat >"$PGDIR/claim.sql" <<'EOF'
\set n random(1, 1000000000)
BEGIN;
SELECT used < cap AS free FROM events WHERE id = 'w' FOR UPDATE \gset
\if :free
INSERT INTO slots VALUES ('w', 'w' || :n) ON CONFLICT DO NOTHING;
UPDATE events SET used = used + 1 WHERE id = 'w';
\endif
COMMIT;
BEGIN;
SELECT 1 FROM events WHERE id = 'w' FOR UPDATE;
WITH gone AS (DELETE FROM slots WHERE event = 'w' AND user_id = 'w' || :n RETURNING 1)
UPDATE events SET used = used - (SELECT count(*) FROM gone) WHERE id = 'w';
COMMIT;
EOF
chmod 644 "$PGDIR"/*.sql
probe=$(psql_ -d bench -At -c "SELECT EXISTS (SELECT 1 FROM slots WHERE event = 'show' AND user_id = 'u0')
   AND EXISTS (SELECT 1 FROM grants WHERE event = 'show' AND user_id = 'u0' AND scope = 'area/main-stage'
               AND permission IN ('Area.ScheduleView', 'Area.ScheduleEdit'))")
[ "$probe" = t ] || die "the PostgreSQL probe check is not true: $probe"

# --- measurement -------------------------------------------------------------------
RES=$TMP/results
: >"$RES"
# gh NAME CONNS ARGS...: one oha run; records "NAME CONNS per_second p99_ms".
gh() {
    local name=$1 c=$2
    shift 2
    "$OHA" -z "${DURATION}s" -w -c "$c" --no-tui --output-format json "$@" >"$TMP/oha.json" 2>"$TMP/oha.err" \
        || { cat "$TMP/oha.err" >&2; die "oha failed ($name)"; }
    python3 - "$TMP/oha.json" "$name" "$c" "$RES" <<'EOF' || die "oha run $2 answered errors"
import json, sys
r = json.load(open(sys.argv[1]))
codes = r["statusCodeDistribution"]
total = sum(codes.values()) + sum(r.get("errorDistribution", {}).values())
ok = sum(n for c, n in codes.items() if c.startswith("2"))
if not total or ok / total < 0.99:
    sys.exit(f"{sys.argv[2]}: only {ok}/{total} answers were 2xx: {codes} {r.get('errorDistribution')}")
rps = r["summary"]["requestsPerSec"]
p99 = r["metrics"]["latency_ms"]["p99"]
open(sys.argv[4], "a").write(f"{sys.argv[2]} {sys.argv[3]} {rps:.1f} {p99:.3f}\n")
print(f"    gatehouse {sys.argv[2]:8} c={sys.argv[3]:3} {rps:10.0f}/s  p99 {p99:.3f} ms", file=sys.stderr)
EOF
}
# pg NAME CONNS SCRIPT WRITES_PER_TX: one pgbench run.
pg() {
    local name=$1 c=$2 script=$3 per=$4
    local host=127.0.0.1
    [ "$PG_VIA" = tcp ] || host=$PGDIR
    "${AS_PG[@]}" "$PG/pgbench" -n -M prepared -c "$c" -j 2 -T "$DURATION" -f "$script" \
        -h "$host" -p "$PG_PORT" -U bench bench >"$PGDIR/pgbench.out" 2>"$PGDIR/pgbench.err" \
        || { cat "$PGDIR/pgbench.err" "$PGDIR/pgbench.out" >&2; die "pgbench failed ($name)"; }
    python3 - "$PGDIR/pgbench.out" "$name" "$c" "$per" "$RES" <<'EOF'
import re, sys
out = open(sys.argv[1]).read()
tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out).group(1))
lat = float(re.search(r"latency average = ([0-9.]+) ms", out).group(1))
failed = re.search(r"number of failed transactions: ([0-9]+)", out)
if failed and int(failed.group(1)):
    sys.exit(f"{sys.argv[2]}: {failed.group(1)} transactions failed")
per_s = tps * int(sys.argv[4])
open(sys.argv[5], "a").write(f"{sys.argv[2]} {sys.argv[3]} {per_s:.1f} {lat:.3f}\n")
print(f"    postgres  {sys.argv[2]:8} c={sys.argv[3]:3} {per_s:10.0f}/s  latency avg {lat:.3f} ms", file=sys.stderr)
EOF
}

run=0
for c in $CONNS; do
    say "measuring at $c connections: $DURATION s runs, $ROUNDS alternating round(s)"
    for _ in $(seq "$ROUNDS"); do
        gh gh-check "$c" -H "Authorization: Bearer $CHECK_TOKEN" --rand-regex-url "$CHECK_URL_RE"
        pg pg-check "$c" "$PGDIR/check.sql" 1
        gh gh-batch "$c" -H "Authorization: Bearer $CHECK_TOKEN" -m POST -T application/json \
            -D "$BATCH" "$GH/v1/orgs/bench/check"
        pg pg-check "$c" "$PGDIR/check.sql" 1
        # A new event for every write run, so its pool never fills.
        run=$((run + 1))
        curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $ADMIN_TOKEN" \
            "$GH/v1/orgs/bench/events/w$run" || die "cannot create event w$run"
        gh gh-write "$c" -H "Authorization: Bearer $ADMIN_TOKEN" -m PUT \
            --rand-regex-url "$GH/v1/orgs/bench/events/w$run/slots/w[0-9]{12}"
        pg pg-write "$c" "$PGDIR/claim.sql" 2
    done
done

# --- report -----------------------------------------------------------------------------
python3 - "$RES" "$CONNS" "$DURATION" "$ROUNDS" "$USERS" "$(nproc)" "$PG_VIA" <<'EOF'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
conns, duration, rounds, users, cores = sys.argv[2].split(), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
via = "TCP on 127.0.0.1, as oha reaches Gatehouse" if sys.argv[7] == "tcp" else "its Unix socket"
def mean(name, c, col=2):
    xs = [float(r[col]) for r in rows if r[0] == name and r[1] == c]
    return st.mean(xs) if xs else 0.0
print()
print(f"Gatehouse and PostgreSQL on the same data ({users} users with a slot and 4 grants on one event),")
print(f"{duration} s runs, {rounds} alternating round(s), {cores} cores shared by both servers and both load generators")
print()
print(f"| what | connections | Gatehouse /s | PostgreSQL /s | Gatehouse ÷ PostgreSQL |")
print(f"|---|---:|---:|---:|---:|")
for c in conns:
    pgc = mean("pg-check", c)
    for label, g, p in [("single check", mean("gh-check", c), pgc),
                        ("batch of 100, checks", mean("gh-batch", c) * 100, pgc),
                        ("durable slot writes", mean("gh-write", c), mean("pg-write", c))]:
        ratio = g / p if p else float("nan")
        print(f"| {label} | {c} | {g:,.0f} | {p:,.0f} | {ratio:.2f}× |")
print()
print("PostgreSQL's check is one prepared query per transaction; its writes count each durable commit")
print("(a claim and a release are two). Gatehouse's checks are HTTP requests through the full server.")
print(f"pgbench reached PostgreSQL through {via}.")
EOF
