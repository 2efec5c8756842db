#!/usr/bin/env bash
# `make i18n`: regenerates i18n/customer_credit_management.pot from a scratch database and
# merges it into every i18n/*.po (new strings arrive untranslated: translate them).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_odoo_src || exit 1
ensure_venv
ensure_postgres
command -v msgmerge >/dev/null || apt_install gettext

db="ccm_i18n_$(date +%Y%m%d%H%M%S)_$$"
data_dir="$CACHE_DIR/data"
trap 'dropdb --if-exists "$db"; rm -rf "$data_dir/filestore/$db"' EXIT
log "Installing $MODULE in the scratch database $db"
odoo_bin -d "$db" --data-dir "$data_dir" -i "$MODULE" --stop-after-init --log-level=warn
pot="$REPO_ROOT/i18n/$MODULE.pot"
odoo_bin -d "$db" --data-dir "$data_dir" --i18n-export="$pot" --modules="$MODULE" --stop-after-init \
    --log-level=warn
for po in "$REPO_ROOT"/i18n/*.po; do
    [ -e "$po" ] || continue
    msgmerge --quiet --update --no-fuzzy-matching --backup=none "$po" "$pot"
done
log "Updated $pot and $(ls "$REPO_ROOT"/i18n/*.po 2>/dev/null | wc -l) translation(s)"
