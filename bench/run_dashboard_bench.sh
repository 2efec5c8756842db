#!/usr/bin/env bash
# Creates (once) the scratch database ccm_dashboard_bench with the module, then runs the dashboard
# benchmark (bench_dashboard.py). BENCH_DB=other_name to use another database; extra arguments go to it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
db=${BENCH_DB:-ccm_dashboard_bench}
ensure_odoo_src && ensure_venv && ensure_postgres
if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    createdb "$db"
    odoo_bin -d "$db" -i "$MODULE" --stop-after-init --log-level=warn --without-demo=all
fi
conn=(--db_user "$DB_USER" --db_port "$DB_PORT")
[ -n "$DB_HOST" ] && conn+=(--db_host "$DB_HOST")
"$VENV/bin/python" "$REPO_ROOT/bench/bench_dashboard.py" -d "$db" --addons-path "$(addons_path)" \
    "${conn[@]}" --log-level=warn "$@"
