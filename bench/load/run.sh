#!/usr/bin/env bash
# `make load`: the load and fault test. On a PostgreSQL cluster of its own (so that restarting it
# disturbs nothing else), a copy of a database with the module and its demo data gets users per role
# and customers (setup.py); Odoo serves it with WORKERS HTTP workers and MAX_CRON_THREADS cron
# workers on a free port of 127.0.0.1; single.py measures one user alone, then Locust
# (locustfile.py) runs the salespeople, accountants and custodians together for LOAD_SECONDS while
# this script kills a worker, restarts PostgreSQL and sends a request that outlives limit_time_real;
# check.py then checks the invariants in the database and the log and prints the figures.
#
# Bounded: LOAD_SECONDS (default 180) of load, LOAD_MAX_REQUESTS calls (default 20000), the users
# of the scenario (20 salespeople, 3 accountants, 3 custodians); traffic only to 127.0.0.1.
# Output and logs in .build/load/. Exits non-zero when an invariant does not hold.
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

LOAD_DB=${LOAD_DB:-ccm_load}
LOAD_SECONDS=${LOAD_SECONDS:-180}
export LOAD_MAX_REQUESTS=${LOAD_MAX_REQUESTS:-20000}
WORKERS=${WORKERS:-4}
MAX_CRON_THREADS=${MAX_CRON_THREADS:-2}
# Short, so that the fault "a request beyond limit_time_real" is quick; cron workers keep 120 s
# (an idle cron worker reports to the master only every 60-70 s: below that, it would be killed).
LIMIT_TIME_REAL=${LIMIT_TIME_REAL:-20}
LOAD_PG_CLUSTER=${LOAD_PG_CLUSTER:-ccm_load}
LOCUST_VENV=${LOCUST_VENV:-$CACHE_DIR/venv-locust}
LOAD_DIR=$REPO_ROOT/bench/load
OUT=$BUILD_DIR/load
DATA_DIR=$CACHE_DIR/load-data
export TZ=UTC # the server's log and the clients' records share one clock
mkdir -p "$OUT" "$DATA_DIR"
started_at=$(date +%s)

free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
odoo_shell() { # the subcommand comes before Odoo's options
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell --addons-path "$(addons_path)" --db_user "$DB_USER" \
        --db_host "$DB_HOST" --db_port "$DB_PORT" --data-dir "$DATA_DIR" --no-http --log-level=warn -d "$@"
}

ensure_odoo_src || exit 1
ensure_venv
ensure_postgres

# --- a PostgreSQL cluster of our own (Debian's pg_createcluster), restarted by the fault test
PG_VERSION=$(pg_lsclusters -h | awk '{print $1}' | sort -rn | head -n 1)
if ! pg_lsclusters -h | awk '{print $2}' | grep -qx "$LOAD_PG_CLUSTER"; then
    log "Creating the PostgreSQL cluster $PG_VERSION/$LOAD_PG_CLUSTER for the load test"
    as_root pg_createcluster "$PG_VERSION" "$LOAD_PG_CLUSTER" --port "$(free_port)" >/dev/null
fi
read -r PG_PORT PG_STATUS < <(pg_lsclusters -h | awk -v c="$LOAD_PG_CLUSTER" '$2 == c {print $3, $4}')
[ "$PG_STATUS" = online ] || as_root pg_ctlcluster "$PG_VERSION" "$LOAD_PG_CLUSTER" start
export PGPORT=$PG_PORT PGHOST=/var/run/postgresql
DB_PORT=$PG_PORT
DB_HOST=$PGHOST
for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
if ! psql -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    as_root su postgres -c "psql -p $PG_PORT -q -c 'CREATE ROLE \"$DB_USER\" LOGIN SUPERUSER'" >/dev/null
fi

# --- Locust in a virtualenv of its own (its pins are not Odoo's)
if [ ! -x "$LOCUST_VENV/bin/locust" ]; then
    log "Preparing the virtualenv $LOCUST_VENV (locust)"
    python3 -m venv "$LOCUST_VENV"
    pip_install "$LOCUST_VENV" locust
fi

# --- the base database (module + demo data), made once and updated when the module changed
base=${LOAD_DB}_base
module_hash=$(cd "$REPO_ROOT" && find . -path ./.build -prune -o -path ./bench -prune -o -type f \
    \( -name '*.py' -o -name '*.xml' -o -name '*.csv' -o -name '*.po' \) -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-40)
if ! psql -d postgres -tAc "select 1 from pg_database where datname = '$base'" | grep -q 1; then
    log "Creating the base database $base with the module and its demo data (once, a few minutes)"
    createdb "$base"
    odoo_bin -d "$base" --data-dir "$DATA_DIR" -i "$MODULE" --stop-after-init --log-level=warn --no-http
    echo "$module_hash" >"$OUT/base.stamp"
elif [ "$(cat "$OUT/base.stamp" 2>/dev/null)" != "$module_hash" ]; then
    log "Updating the module in $base"
    odoo_bin -d "$base" --data-dir "$DATA_DIR" -u "$MODULE" --stop-after-init --log-level=warn --no-http
    echo "$module_hash" >"$OUT/base.stamp"
fi

# --- the load database: a fresh copy of the base, with the load's users and customers
log "Preparing $LOAD_DB"
dropdb --if-exists "$LOAD_DB"
rm -rf "$DATA_DIR/filestore/$LOAD_DB"
createdb -T "$base" "$LOAD_DB"
[ -d "$DATA_DIR/filestore/$base" ] && cp -r "$DATA_DIR/filestore/$base" "$DATA_DIR/filestore/$LOAD_DB"
export LOAD_DB LOAD_SCENARIO=$OUT/scenario.json LOAD_RESULTS=$OUT/results.json \
    LOAD_SINGLE_RESULTS=$OUT/single.json LOAD_FAULTS=$OUT/faults.json LOAD_SERVER_LOG=$OUT/server.log
rm -f "$LOAD_RESULTS" "$LOAD_SINGLE_RESULTS" "$LOAD_FAULTS" "$LOAD_SERVER_LOG"
odoo_shell "$LOAD_DB" <"$LOAD_DIR/setup.py" | tee "$OUT/setup.log"
grep -q "LOAD SETUP OK" "$OUT/setup.log" || { warn "setup failed (see $OUT/setup.log)"; exit 1; }

# --- the server: prefork, 127.0.0.1 only
HTTP_PORT=$(free_port)
GEVENT_PORT=$(free_port)
URL=http://127.0.0.1:$HTTP_PORT
log "Serving $LOAD_DB at $URL: $WORKERS HTTP workers, $MAX_CRON_THREADS cron workers, limit_time_real $LIMIT_TIME_REAL s"
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" --addons-path "$(addons_path)" --db_user "$DB_USER" --db_host "$DB_HOST" \
    --db_port "$DB_PORT" --data-dir "$DATA_DIR" -d "$LOAD_DB" --db-filter "^$LOAD_DB\$" \
    --http-interface 127.0.0.1 --http-port "$HTTP_PORT" --gevent-port "$GEVENT_PORT" \
    --workers "$WORKERS" --max-cron-threads "$MAX_CRON_THREADS" --limit-time-real "$LIMIT_TIME_REAL" \
    --limit-time-real-cron 120 \
    --logfile "$LOAD_SERVER_LOG" --log-level info &
SERVER_PID=$!
stop_server() {
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 1; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID"
    fi
    return 0
}
trap stop_server EXIT
PROBE=("$LOCUST_VENV/bin/python" "$LOAD_DIR/probe.py" "$URL" "$LOAD_DB")
"${PROBE[@]}" ready 60 >/dev/null || { warn "the server did not answer (see $LOAD_SERVER_LOG)"; exit 1; }

log "Single user: the same calls one at a time on the idle server"
(cd "$LOAD_DIR" && "$LOCUST_VENV/bin/python" single.py "$URL" "$LOAD_DB")

# --- the load, and the faults during it
users=$("$VENV/bin/python" -c "import json; s=json.load(open('$LOAD_SCENARIO')); print(sum(len(s[k]) for k in ('salespeople', 'accountants', 'custodians')))")
log "Load: $users users for $LOAD_SECONDS s (at most $LOAD_MAX_REQUESTS calls)"
export LOAD_START
LOAD_START=$(now)
(cd "$LOAD_DIR" && exec "$LOCUST_VENV/bin/locust" -f locustfile.py --headless --host "$URL" -u "$users" \
    -r 5 -t "${LOAD_SECONDS}s" --stop-timeout 30 --only-summary --csv "$OUT/locust" \
    >"$OUT/locust.log" 2>&1) &
LOCUST_PID=$!

faults=()
record_fault() { # name start end detail
    faults+=("$("$VENV/bin/python" -c 'import json, sys; print(json.dumps(dict(name=sys.argv[1], start=float(sys.argv[2]), end=float(sys.argv[3]), detail=sys.argv[4])))' "$@")")
    printf '  fault: %s: %s\n' "$1" "$4"
}
at() { sleep "$(awk -v t0="$LOAD_START" -v s="$1" -v now="$(now)" 'BEGIN { d = t0 + s - now; print (d > 0 ? d : 0) }')"; }

at $((LOAD_SECONDS * 2 / 9))
# 1. SIGKILL one HTTP worker; Odoo's master spawns another.
victim=""
for pid in $(grep -oP 'Worker WorkerHTTP \(\K[0-9]+' "$LOAD_SERVER_LOG" | tac); do
    if [ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$SERVER_PID" ]; then victim=$pid; break; fi
done
t0=$(now)
if [ -n "$victim" ]; then
    kill -KILL "$victim"
    "${PROBE[@]}" serving 60 >/dev/null
    spawned=$(grep -oP 'Worker WorkerHTTP \(\K[0-9]+' "$LOAD_SERVER_LOG" | tail -n 1)
    record_fault "worker killed" "$t0" "$(now)" "SIGKILL to HTTP worker $victim; the master spawned worker $spawned"
else
    record_fault "worker killed" "$t0" "$t0" "no HTTP worker found: not injected"
fi

at $((LOAD_SECONDS * 4 / 9))
# 2. Restart PostgreSQL under the load.
t0=$(now)
as_root pg_ctlcluster "$PG_VERSION" "$LOAD_PG_CLUSTER" restart
"${PROBE[@]}" serving 120 >/dev/null
record_fault "PostgreSQL restarted" "$t0" "$(now)" "pg_ctlcluster $PG_VERSION $LOAD_PG_CLUSTER restart; served again without a restart of Odoo"

at $((LOAD_SECONDS * 6 / 9))
# 3. A request that outlives limit_time_real: its customer's row is locked by another session for
#    longer than the limit, so the confirmation waits until the master kills its worker.
t0=$(now)
stuck=$("$VENV/bin/python" -c "import json; print(json.load(open('$LOAD_SCENARIO'))['stuck_partner_id'])")
hold=$((LIMIT_TIME_REAL + 20))
psql -d "$LOAD_DB" -qAt -c "BEGIN; SELECT id FROM res_partner WHERE id = $stuck FOR UPDATE; SELECT pg_sleep($hold); ROLLBACK;" >/dev/null 2>&1 &
LOCKER_PID=$!
sleep 1
answer=$("${PROBE[@]}" stuck $((hold + 30)) 2>&1 | tail -n 1)
killed=$(awk -v since="$(date -u -d "@${t0%.*}" '+%Y-%m-%d %H:%M:%S')" '$1" "$2 >= since && /WorkerHTTP \([0-9]+\) timeout after/ {print $7, $8, $9, $10, $11}' "$LOAD_SERVER_LOG" | head -n 1)
"${PROBE[@]}" serving 60 >/dev/null
# Its window ends here: the other requests never waited for that customer's row.
record_fault "request beyond limit_time_real" "$t0" "$(now)" "confirmation of an order whose customer's row another session locked for $hold s: the request $answer; the master: ${killed:-killed no worker}"
wait "$LOCKER_PID" || true

wait "$LOCUST_PID" || true # Locust exits 1 when a call failed: the checker judges them
export LOAD_END
LOAD_END=$(now)
printf '[%s]\n' "$(IFS=,; echo "${faults[*]}")" >"$LOAD_FAULTS"
stop_server
trap - EXIT

log "Locust's summary"
sed -n '/Response time percentiles/,$p' "$OUT/locust.log" | head -n 30
log "Checks and figures"
odoo_shell "$LOAD_DB" <"$LOAD_DIR/check.py" | tee "$OUT/check.log"
echo "(end to end: $(( $(date +%s) - started_at )) s; logs in $OUT)"
grep -q "LOAD CHECK OK" "$OUT/check.log"
