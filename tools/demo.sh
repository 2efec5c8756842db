#!/usr/bin/env bash
# `make demo`: a database with the module and its demo data, served at http://localhost:8069.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DEMO_DB=${DEMO_DB:-ccm_demo}
DEMO_PORT=${DEMO_PORT:-8069}
ensure_odoo_src || exit 1
ensure_venv
ensure_postgres
# PDF reports (the unpatched Debian build prints without header and footer) and CJK fonts.
apt_install wkhtmltopdf fonts-noto-cjk || warn "wkhtmltopdf missing: PDF reports will not print"

data_dir="$CACHE_DIR/data"
if psql -d postgres -tAc "select 1 from pg_database where datname = '$DEMO_DB'" | grep -q 1; then
    log "Updating the module in the existing database $DEMO_DB"
    odoo_bin -d "$DEMO_DB" --data-dir "$data_dir" -u "$MODULE" --stop-after-init --log-level=warn
else
    log "Creating the database $DEMO_DB with the module and demo data"
    odoo_bin -d "$DEMO_DB" --data-dir "$data_dir" -i "$MODULE" --stop-after-init --log-level=warn
fi
echo
echo "  Odoo with customer_credit_management: http://localhost:$DEMO_PORT"
echo "  Login: admin   Password: admin   (database $DEMO_DB)"
echo
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" --addons-path "$(addons_path)" --db_user "$DB_USER" \
    --data-dir "$data_dir" -d "$DEMO_DB" --db-filter "^$DEMO_DB\$" --http-port "$DEMO_PORT"
