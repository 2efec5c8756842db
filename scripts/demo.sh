#!/usr/bin/env bash
# `make demo`: a database with the module and its demo data, served at http://localhost:8069.
# DEMO_DB (default ccm_demo) and DEMO_PORT (default 8069) choose the database and the port.
# Served by Odoo's prefork server: WORKERS HTTP workers (default 4) and MAX_CRON_THREADS cron
# workers (default 2); WORKERS=0 serves from one threaded process instead.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DEMO_DB=${DEMO_DB:-ccm_demo}
DEMO_PORT=${DEMO_PORT:-8069}
# The websocket (bus) of a prefork server is served by its gevent process on this port.
DEMO_GEVENT_PORT=${DEMO_GEVENT_PORT:-8072}
WORKERS=${WORKERS:-4}
MAX_CRON_THREADS=${MAX_CRON_THREADS:-2}
ensure_odoo_src || exit 1
ensure_venv
ensure_postgres
# PDF reports (the unpatched Debian build prints without header and footer) and CJK fonts.
ensure_wkhtmltopdf

data_dir="$CACHE_DIR/data"
# sale_management gives salespeople the Sales app.
if psql -d postgres -tAc "select 1 from pg_database where datname = '$DEMO_DB'" | grep -q 1; then
    log "Updating the module in the existing database $DEMO_DB"
    odoo_bin -d "$DEMO_DB" --data-dir "$data_dir" -i sale_management -u "$MODULE" --stop-after-init --log-level=warn
else
    log "Creating the database $DEMO_DB with the module and demo data"
    odoo_bin -d "$DEMO_DB" --data-dir "$data_dir" -i "$MODULE,sale_management" --stop-after-init --log-level=warn
fi
# PDFs fetch their styles from web.base.url: the address served below (frozen, so that logging
# in as admin does not change it).
base_url="http://localhost:$DEMO_PORT"
psql -d "$DEMO_DB" -qc "
    INSERT INTO ir_config_parameter (key, value, create_date, write_date)
    VALUES ('web.base.url', '$base_url', now(), now()), ('web.base.url.freeze', 'True', now(), now())
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = now()"
echo
echo "  Odoo with customer_credit_management: $base_url   (database $DEMO_DB)"
echo "  Logins (password = login), each with only its role's groups, clearance Internal:"
echo "    admin        administrator (all credit groups, Marketing Director, Department Head)"
echo "    sales        salesperson (Sales)"
echo "    accountant   accountant (Accounting)"
echo "    credit       credit manager"
echo "    custodian    customer data custodian (customer service)"
echo "    director     marketing director"
echo "  $WORKERS HTTP workers, $MAX_CRON_THREADS cron workers (websocket on port $DEMO_GEVENT_PORT)"
echo
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" --addons-path "$(addons_path)" --db_user "$DB_USER" \
    --data-dir "$data_dir" -d "$DEMO_DB" --db-filter "^$DEMO_DB\$" --http-port "$DEMO_PORT" \
    --workers "$WORKERS" --max-cron-threads "$MAX_CRON_THREADS" --gevent-port "$DEMO_GEVENT_PORT"
