#!/usr/bin/env bash
# Creates (once) the scratch database ccm_bench with the module and ccm_bench_without with its
# dependencies only, fills them and runs the credit bench. BENCH_DB=name for another database (and
# name_without); CCM_BENCH_SCALE=0.1 for a tenth of the book.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
db=${BENCH_DB:-ccm_bench}
ensure_odoo_src && ensure_venv && ensure_postgres
data_dir="$CACHE_DIR/data"
dependencies=$("$VENV/bin/python" -c "import ast; print(','.join(ast.literal_eval(open('$REPO_ROOT/__manifest__.py').read())['depends']))")
for name in "$db" "${db}_without"; do
    if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
        modules=$MODULE
        [ "$name" = "$db" ] || modules=$dependencies
        createdb "$name"
        odoo_bin -d "$name" --data-dir "$data_dir" -i "$modules" --stop-after-init --log-level=warn --without-demo=all
    fi
done
# Each measured confirmation is rolled back: the dead rows of earlier runs are vacuumed first.
vacuumdb --quiet --analyze --dbname "$db" && vacuumdb --quiet --analyze --dbname "${db}_without"
CCM_BENCH_BASELINE_DB="${db}_without" "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell --addons-path "$(addons_path)" -d "$db" --data-dir "$data_dir" \
    --db_user "$DB_USER" --log-level=warn --no-http <"$REPO_ROOT/bench/bench_credit.py"
