#!/usr/bin/env bash
# `make i18n`: regenerates i18n/customer_credit_management.pot from a scratch database, merges it
# into every i18n/*.po (new strings arrive untranslated: translate them), then formats them as
# OCA's po-pretty-format wants (the oca-checks-po hook of .pre-commit-config.yaml), so that
# `pre-commit run -a` passes on what this writes; last, lists what is left to translate.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_odoo_src || exit 1
ensure_venv
ensure_postgres
ensure_tools_venv
command -v msgmerge >/dev/null || apt_install gettext

db="ccm_i18n_$(date +%Y%m%d%H%M%S)_$$"
data_dir="$CACHE_DIR/data"
trap 'dropdb --if-exists "$db"; rm -rf "$data_dir/filestore/$db"' EXIT
log "Installing $MODULE in the scratch database $db"
odoo_bin -d "$db" --data-dir "$data_dir" -i "$MODULE" --stop-after-init --log-level=warn
pot="$REPO_ROOT/i18n/$MODULE.pot"
odoo_bin -d "$db" --data-dir "$data_dir" --i18n-export="$pot" --modules="$MODULE" --stop-after-init \
    --log-level=warn
# Odoo's export follows symlinks: through .build/addons/$MODULE (a link to the checkout, inside
# it) it finds every Python file again under .build/... up to the kernel's link limit. Only the
# references of those copies go; the strings are the same.
sed -i "\\|^#: code:addons/$MODULE/\\.build/|d" "$pot"
for po in "$REPO_ROOT"/i18n/*.po; do
    [ -e "$po" ] || continue
    msgmerge --quiet --update --no-fuzzy-matching --backup=none "$po" "$pot"
done
cd "$REPO_ROOT"
files=(i18n/*.pot i18n/*.po)
# The first run formats (and fails when it changed a file), the second must pass.
"$TOOLS_VENV/bin/pre-commit" run oca-checks-po --files "${files[@]}" >/dev/null \
    || "$TOOLS_VENV/bin/pre-commit" run oca-checks-po --files "${files[@]}"
"$TOOLS_VENV/bin/pre-commit" run check-i18n --files "${files[@]}" || warn "translate the strings above"
log "Updated $pot and $(ls "$REPO_ROOT"/i18n/*.po 2>/dev/null | wc -l) translation(s)"
