#!/usr/bin/env bash
# `make peer-test`: Odoo's own sale_stock, sale and account suites with the module installed
# (no demo data, enforcement at its install default), compared with the failures the same suites
# have WITHOUT the module on this machine (tests/peer_baseline.txt). A failure that is not in the
# baseline fails the run and is named; the last line is "N passed, N failed" (baseline failures
# are counted in neither).
# `make peer-baseline` (this script with --baseline): the same run without the module; rewrites
# tests/peer_baseline.txt.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
set +e

mode=module
[ "${1:-}" = --baseline ] && mode=baseline
PEER_MODULES=sale_stock,account
# post_install only: at_install tests belong to the moment their module is installed, before the
# modules that depend on it; run later on a registry that holds this module, each would run while
# only its own dependencies are loaded, under this module's record rules (fields not loaded yet).
PEER_TAGS=${PEER_TAGS:-post_install/account,post_install/sale,post_install/sale_stock}
baseline_file=$REPO_ROOT/tests/peer_baseline.txt

cd "$REPO_ROOT" || exit 2
ensure_odoo_src && ensure_venv && ensure_postgres || { echo "0 passed, 1 failed"; exit 3; }
ensure_chromium
ensure_wkhtmltopdf

scratch_db "${PEER_DB:-ccm_peer_$(date +%Y%m%d%H%M%S)_$$}"
odoo() { odoo_bin -d "$db" --data-dir "$data_dir" --http-port "$port" --stop-after-init --without-demo=all "$@"; }
logs="$BUILD_DIR/logs/peer-$mode"
mkdir -p "$logs"
problems=()
t_start=$SECONDS
step_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

log "Odoo's $PEER_TAGS suites ($mode run) on database $db (logs in $logs)"
t0=$SECONDS
odoo -i "$PEER_MODULES" --log-level=warn >"$logs/1-dependencies.log" 2>&1 || problems+=("dependencies install")
echo "      install $PEER_MODULES: $(step_time $((SECONDS - t0)))"
if [ "$mode" = module ]; then
    t0=$SECONDS
    odoo -i "$MODULE" --log-level=warn >"$logs/2-install.log" 2>&1 || problems+=("module install")
    echo "      install $MODULE: $(step_time $((SECONDS - t0)))"
fi
# No -i/-u: the tests run on the installed database.
t0=$SECONDS
odoo --test-enable --test-tags "$PEER_TAGS" --log-level=info >"$logs/3-tests.log" 2>&1
echo "      run $PEER_TAGS: $(step_time $((SECONDS - t0)))"

result=$(grep -E "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database" "$logs/3-tests.log" | tail -n 1)
t_run=0
if [ -n "$result" ]; then
    read -r t_failed t_errors t_run < <(sed -E 's/.* ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/' <<<"$result")
    echo "      Odoo tests: $t_run run, $t_failed failed, $t_errors errors ($mode run)"
else
    problems+=("test run (no result line)")
fi
[ "$t_run" -eq 0 ] && problems+=("no test ran")

# One line per failing test: "module.tests.file: Class.method" (subtests folded into their test;
# a class whose set-up failed as "odoo.tests.suite: setUpClass (its class)").
failing=$(sed -nE 's/^[0-9-]+ [0-9:,]+ [0-9]+ ERROR [^ ]+ (odoo\.addons\.)?([^ ]+): (FAIL|ERROR): (Subtest ([^ ]+).*|(.*[^ ])) *$/\2: \5\6/p' \
    "$logs/3-tests.log" | sort -u)
if [ -n "$result" ] && [ $((t_failed + t_errors)) -gt 0 ] && [ -z "$failing" ]; then
    problems+=("$((t_failed + t_errors)) failures without a test name (see $logs/3-tests.log)")
fi

if [ "$mode" = baseline ]; then
    if [ ${#problems[@]} -gt 0 ]; then
        printf 'failed: %s\n' "${problems[@]}"
        echo "baseline NOT written"
        echo "0 passed, ${#problems[@]} failed"
        exit 1
    fi
    {
        echo "# Failures of Odoo's $PEER_TAGS suites WITHOUT customer_credit_management"
        echo "# (databases without demo data, $PEER_MODULES installed), written by 'make peer-baseline'."
        echo "# $(date -u +%Y-%m-%d) Odoo $(git -C "$ODOO_SRC" rev-parse --short HEAD 2>/dev/null || echo '18.0'):" \
            "$t_run tests, $((t_failed + t_errors)) failing, $(step_time $((SECONDS - t_start))) on $(nproc) cores"
        [ -n "$failing" ] && echo "$failing"
    } >"$baseline_file"
    echo "baseline written to tests/peer_baseline.txt:"
    sed 's/^/      /' "$baseline_file"
    echo "$((t_run - t_failed - t_errors)) passed, 0 failed"
    exit 0
fi

known=$(grep -v '^#' "$baseline_file" 2>/dev/null | sed '/^$/d' | sort -u)
new=$(comm -23 <(echo "$failing" | sed '/^$/d') <(echo "$known"))
still=$(comm -12 <(echo "$failing" | sed '/^$/d') <(echo "$known"))
n_new=$(echo "$new" | sed '/^$/d' | wc -l)
n_still=$(echo "$still" | sed '/^$/d' | wc -l)
if [ "$n_still" -gt 0 ]; then
    echo "      failing without the module too (baseline, not counted):"
    echo "$still" | sed 's/^/        /'
fi
echo "      total $(step_time $((SECONDS - t_start)))"

echo
while IFS= read -r name; do problems+=("new failure: $name"); done < <(echo "$new" | sed '/^$/d')
[ ${#problems[@]} -gt 0 ] && printf 'failed: %s\n' "${problems[@]}"
echo "$((t_run - n_new - n_still)) passed, ${#problems[@]} failed"
[ ${#problems[@]} -eq 0 ]
