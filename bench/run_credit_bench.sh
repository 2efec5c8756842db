#!/usr/bin/env bash
# Creates (once) the scratch database ccm_bench with the module, fills it and runs the credit bench.
# BENCH_DB=name for another database; CCM_BENCH_SCALE=0.1 for a tenth of the book.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
db=${BENCH_DB:-ccm_bench}
ensure_odoo_src && ensure_venv && ensure_postgres
data_dir="$CACHE_DIR/data"
if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    createdb "$db"
    odoo_bin -d "$db" --data-dir "$data_dir" -i "$MODULE" --stop-after-init --log-level=warn --without-demo=all
fi
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell --addons-path "$(addons_path)" -d "$db" --data-dir "$data_dir" \
    --db_user "$DB_USER" --log-level=warn --no-http <"$REPO_ROOT/bench/bench_credit.py"
