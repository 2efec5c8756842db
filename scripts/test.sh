#!/usr/bin/env bash
# `make test`: static checks, then the Odoo suite on a fresh database, then Odoo's own sale_stock,
# sale and account suites with the module (scripts/peer_test.sh; PEER_TESTS=0 skips them), then one
# summary line "N passed, N failed". The Odoo suite is never reported as passed when it did not run.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
set +e

passed=0
failed=0
failures=()
check() {  # check NAME COMMAND...: one static or log check, counted once.
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok    $name"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "FAIL  $name"
    fi
}

cd "$REPO_ROOT" || exit 2
mkdir -p "$BUILD_DIR"

# --- Static checks (need no Odoo): the hooks of .pre-commit-config.yaml ----------------------
# Each hook counts once; hooks that fix files (ruff, po-pretty-format...) fix them here too and fail,
# with the diff shown. Only files known to git are checked: `git add` a new file first.
log "Static checks (pre-commit run -a)"
mkdir -p "$BUILD_DIR/logs"
if ensure_tools_venv; then
    "$TOOLS_VENV/bin/pre-commit" run --all-files --show-diff-on-failure --color=never 2>&1 \
        | tee "$BUILD_DIR/logs/0-pre-commit.log"
    rc=${PIPESTATUS[0]}
    hooks_failed=0
    while IFS=$'\t' read -r name result; do
        if [ "$result" = Passed ]; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            hooks_failed=$((hooks_failed + 1))
            failures+=("pre-commit: $name")
        fi
    done < <(sed -nE 's/^(.*[^.])\.{3,}(Passed|Failed)$/\1\t\2/p' "$BUILD_DIR/logs/0-pre-commit.log")
    # A failure that is no hook's (e.g. an environment that could not be built) fails too.
    [ "$rc" -ne 0 ] && [ "$hooks_failed" -eq 0 ] && check "pre-commit run (exit $rc)" false
else
    check "static-check tools install (requirements-dev.txt)" false
fi

# --- Odoo suite --------------------------------------------------------------------------
suite=skipped
if ensure_odoo_src && ensure_venv && ensure_postgres; then
    ensure_chromium
    ensure_wkhtmltopdf
    suite=ran
    scratch_db "ccm_test_$(date +%Y%m%d%H%M%S)_$$"
    odoo() { odoo_bin -d "$db" --data-dir "$data_dir" --http-port "$port" --stop-after-init "$@"; }
    logs="$BUILD_DIR/logs"
    mkdir -p "$logs"

    log "Odoo suite on database $db (logs in $logs)"
    # Dependencies first, so that the next log holds only what our module does.
    odoo -i sale_stock,account --log-level=warn >"$logs/1-dependencies.log" 2>&1
    check "dependencies install" test $? -eq 0

    odoo -i "$MODULE" --log-level=info >"$logs/2-install.log" 2>&1
    rc=$?
    check "module installs with a clean log (no warning or error)" \
        bash -c "[ $rc -eq 0 ] && ! grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' '$logs/2-install.log'"

    odoo --test-enable --test-tags "/$MODULE" --log-level=test >"$logs/3-tests.log" 2>&1
    rc=$?
    result=$(grep -E "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database" "$logs/3-tests.log" | tail -n 1)
    if [ -n "$result" ]; then
        read -r t_failed t_errors t_run < <(sed -E 's/.* ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/' <<<"$result")
        echo "      Odoo tests: $t_run run, $t_failed failed, $t_errors errors"
        passed=$((passed + t_run - t_failed - t_errors))
        failed=$((failed + t_failed + t_errors))
        [ $((t_failed + t_errors)) -gt 0 ] && failures+=("Odoo tests ($((t_failed + t_errors)))")
        [ "$t_run" -eq 0 ] && { failed=$((failed + 1)); failures+=("no Odoo test ran"); }
    else
        failed=$((failed + 1))
        failures+=("Odoo test run (no result line, exit $rc)")
    fi
    # Errors logged outside a test (e.g. at registry load) fail the run too.
    check "test run exits cleanly" test "$rc" -eq 0
    awk '/^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) /{p=1} /^[0-9-]+ [0-9:,]+ [0-9]+ (INFO|WARNING|DEBUG|RUNBOT) /{p=0} p' \
        "$logs/3-tests.log" | head -n 300

    odoo_shell() {
        "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell --addons-path "$(addons_path)" -d "$db" \
            --data-dir "$data_dir" --db_user "$DB_USER" --log-level=warn --no-http "$@"
    }
    # Two simultaneous confirmations in two cursors: exactly one may pass.
    odoo_shell <scripts/concurrency_check.py >"$logs/4-concurrency.log" 2>&1
    check "concurrent confirmations cannot both exceed the line" grep -q "CONCURRENCY OK" "$logs/4-concurrency.log"

    odoo_shell >"$logs/5-uninstall.log" 2>&1 <<PY
env["ir.module.module"].search([("name", "=", "$MODULE")]).button_immediate_uninstall()
env.cr.commit()
assert not env["ir.module.module"].search([("name", "=", "$MODULE"), ("state", "=", "installed")])
env.cr.execute("SELECT 1 FROM pg_proc WHERE proname = 'credit_exposure_by_partner'")
assert not env.cr.fetchall(), "the exposure function outlived the module"
print("UNINSTALLED")
PY
    check "module uninstalls with a clean log" \
        bash -c "grep -q UNINSTALLED '$logs/5-uninstall.log' && ! grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' '$logs/5-uninstall.log'"
fi

# --- Odoo's own suites with the module (scripts/peer_test.sh, also `make peer-test`) ---------
if [ "$suite" = ran ] && [ "${PEER_TESTS:-1}" != 0 ]; then
    bash scripts/peer_test.sh | tee "$BUILD_DIR/logs/peer-test.out"
    read -r p_passed p_failed < <(tail -n 1 "$BUILD_DIR/logs/peer-test.out" \
        | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p')
    if [ -n "${p_passed:-}" ]; then
        passed=$((passed + p_passed))
        failed=$((failed + p_failed))
        while IFS= read -r name; do failures+=("Odoo's suites: $name"); done \
            < <(sed -n 's/^failed: //p' "$BUILD_DIR/logs/peer-test.out")
    else
        failed=$((failed + 1))
        failures+=("Odoo's suites (no summary line)")
    fi
fi

echo
[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
if [ "$suite" = skipped ]; then
    echo
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!!! The Odoo suite was SKIPPED: only the static checks ran. Nothing above shows   !!!"
    echo "!!! that the module installs or works. Provide Odoo 18.0 at ODOO_SRC=$ODOO_SRC. !!!"
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    exit 3
fi
[ "$failed" -eq 0 ]
