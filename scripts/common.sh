#!/usr/bin/env bash
# Shared set-up for `make test` and `make demo`: finds or prepares the Odoo 18.0 source,
# a virtualenv with Odoo's requirements plus ours, PostgreSQL, and Chromium for tours.
# Sourced by scripts/test.sh and scripts/demo.sh; every function is idempotent.
set -euo pipefail

MODULE=customer_credit_management
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo18}
ODOO_BRANCH=18.0
ODOO_GIT_URL=${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}
CACHE_DIR=${CCM_CACHE_DIR:-$HOME/.cache/$MODULE}
# The Python that runs Odoo (python3.11 or python3.12: Odoo 18 pins some packages per version,
# e.g. XlsxWriter 3.0.2 below 3.12 and 3.1.9 from 3.12 on), one virtualenv per version.
resolve_python() {
    # A python3.X that runs: on the PATH (Debian, Ubuntu), else a pyenv installation of it.
    local name=$1 candidate
    if "$name" -c '' 2>/dev/null; then echo "$name"; return 0; fi
    for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/"$name" 2>/dev/null | sort -V -r); do
        "$candidate" -c '' 2>/dev/null && { echo "$candidate"; return 0; }
    done
    echo "$name"
}
PYTHON=$(resolve_python "${PYTHON:-python3.11}")
PY_TAG=$("$PYTHON" -c 'import sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}")' 2>/dev/null || echo "py-missing")
VENV=${VENV:-$CACHE_DIR/venv-odoo18-$PY_TAG}
# Static-check tools live apart: their pins (polib, lxml) differ from Odoo's; they run on 3.11
# whatever runs Odoo, so that both runs check the same way.
TOOLS_PYTHON=$(resolve_python "${TOOLS_PYTHON:-python3.11}")
TOOLS_VENV=${TOOLS_VENV:-$CACHE_DIR/venv-tools}
# pre-commit's hook environments (.pre-commit-config.yaml), built once from PyPI, then reused offline.
PRE_COMMIT_HOME=${PRE_COMMIT_HOME:-$CACHE_DIR/pre-commit}
export PRE_COMMIT_HOME
BUILD_DIR=$REPO_ROOT/.build
ADDONS_LINK_DIR=$BUILD_DIR/addons
DB_HOST=${PGHOST:-}
DB_PORT=${PGPORT:-5432}
DB_USER=${PGUSER:-$(id -un)}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
warn() { printf '\033[1;33m!!! %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

apt_install() {
    # Installs the Debian packages among "$@" that are missing; quiet when all are there.
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || { warn "missing system packages: ${missing[*]} (no apt-get here)"; return 1; }
    log "Installing system packages: ${missing[*]}"
    as_root apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pip_install() {  # pip_install VENV ARGS...: pip's exit status, without its noise about local indexes.
    local venv=$1
    shift
    "$venv/bin/pip" install --quiet "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

# Returns 0 when an Odoo 18.0 tree is (or could be made) available at $ODOO_SRC.
ensure_odoo_src() {
    if [ -x "$ODOO_SRC/odoo-bin" ]; then
        if ! grep -q "version_info = (18, 0," "$ODOO_SRC/odoo/release.py"; then
            warn "$ODOO_SRC is not an Odoo 18.0 tree (odoo/release.py)."
            return 1
        fi
        return 0
    fi
    log "No Odoo source at $ODOO_SRC: trying a shallow clone of Odoo $ODOO_BRANCH"
    if git clone --quiet --depth 1 --branch "$ODOO_BRANCH" "$ODOO_GIT_URL" "$ODOO_SRC" 2>/dev/null \
        && [ -x "$ODOO_SRC/odoo-bin" ]; then
        return 0
    fi
    warn "Could not get Odoo $ODOO_BRANCH. Provide an unmodified Odoo 18.0 community tree at"
    warn "$ODOO_SRC (or point ODOO_SRC at one), e.g. 'git clone -b 18.0 --depth 1 $ODOO_GIT_URL $ODOO_SRC'."
    return 1
}

ensure_venv() {
    local stamp="$VENV/.ccm-stamp" want
    want=$(cat "$ODOO_SRC/requirements.txt" "$REPO_ROOT/requirements-odoo-extra.txt" 2>/dev/null | sha1sum | cut -c1-40)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
        return 0
    fi
    if [ "$PY_TAG" = py-missing ]; then
        warn "No $PYTHON here: install it (Debian/Ubuntu python3.X-venv, or pyenv) or set PYTHON."
        return 1
    fi
    # python-ldap and psycopg2 build from source against these headers.
    apt_install libldap2-dev libsasl2-dev libpq-dev libxml2-dev libxslt1-dev libjpeg-dev zlib1g-dev || true
    log "Preparing the virtualenv $VENV (Odoo's requirements and requirements-odoo-extra.txt)"
    mkdir -p "$(dirname "$VENV")"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    local constraints="$CACHE_DIR/build-constraints.txt"
    # Odoo's pinned cbor2 only builds with setuptools < 70 (pkg_resources removal).
    printf 'setuptools<70\n' >"$constraints"
    PIP_CONSTRAINT="$constraints" pip_install "$VENV" "setuptools<70" wheel
    PIP_CONSTRAINT="$constraints" pip_install "$VENV" -r "$ODOO_SRC/requirements.txt"
    pip_install "$VENV" -r "$REPO_ROOT/requirements-odoo-extra.txt"
    echo "$want" >"$stamp"
}

ensure_tools_venv() {
    local stamp="$TOOLS_VENV/.ccm-stamp" want
    want=$(sha1sum "$REPO_ROOT/requirements-dev.txt" | cut -c1-40)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
    log "Preparing the virtualenv $TOOLS_VENV (requirements-dev.txt)"
    mkdir -p "$(dirname "$TOOLS_VENV")"
    [ -x "$TOOLS_VENV/bin/python" ] || "$TOOLS_PYTHON" -m venv "$TOOLS_VENV"
    pip_install "$TOOLS_VENV" -r "$REPO_ROOT/requirements-dev.txt"
    echo "$want" >"$stamp"
}

pg_answers() {
    pg_isready -q -h "${DB_HOST:-127.0.0.1}" -p "$DB_PORT" 2>/dev/null || pg_isready -q -p "$DB_PORT" 2>/dev/null
}

ensure_postgres() {
    if ! pg_answers; then
        if command -v pg_lsclusters >/dev/null; then
            local ver name
            read -r ver name _ < <(pg_lsclusters -h | sort -rn | head -n 1)
            if [ -n "${ver:-}" ]; then
                log "Starting PostgreSQL cluster $ver/$name"
                as_root pg_ctlcluster "$ver" "$name" start
            fi
        fi
        for _ in $(seq 1 30); do pg_answers && break; sleep 1; done
        pg_answers || { warn "No PostgreSQL server answers on port $DB_PORT and none could be started."; return 1; }
    fi
    # Odoo refuses the postgres role; a fresh Debian cluster authenticates the socket by OS user.
    if ! psql -d postgres -U "$DB_USER" -tAc 'select 1' >/dev/null 2>&1; then
        if [ "$DB_USER" = postgres ]; then
            warn "Odoo refuses to run as the 'postgres' role: set PGUSER to another role."
            return 1
        fi
        log "Creating the PostgreSQL superuser role '$DB_USER'"
        as_root su postgres -c "psql -q -c 'CREATE ROLE \"$DB_USER\" LOGIN SUPERUSER'" >/dev/null
    fi
}

ensure_chromium() {
    command -v chromium >/dev/null || command -v google-chrome >/dev/null \
        || command -v chromium-browser >/dev/null || apt_install chromium fonts-noto-cjk \
        || warn "No Chromium: browser tours will be skipped by Odoo."
}

# The suite prints PDF reports (letters, statements, the litigation file) and Odoo's own suites
# do too: without wkhtmltopdf they fail, so a fresh machine gets Debian's.
ensure_wkhtmltopdf() {
    command -v wkhtmltopdf >/dev/null || apt_install wkhtmltopdf fonts-noto-cjk \
        || warn "wkhtmltopdf missing: PDF reports will not print"
}

# Makes the checkout importable as $MODULE whatever folder it was cloned into.
addons_path() {
    mkdir -p "$ADDONS_LINK_DIR"
    ln -sfn "$REPO_ROOT" "$ADDONS_LINK_DIR/$MODULE"
    echo "$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ADDONS_LINK_DIR"
}

odoo_bin() {
    local -a conn=(--db_user "$DB_USER" --db_port "$DB_PORT")
    [ -n "$DB_HOST" ] && conn+=(--db_host "$DB_HOST")
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" --addons-path "$(addons_path)" "${conn[@]}" "$@"
}

# Benchmarks: creates (once) the scratch database $1 with the module (no demo data), then runs the
# bench's Python script $2 (in bench/) on it; the other arguments go to the script.
run_bench_script() {
    local db=$1 script=$2
    shift 2
    ensure_odoo_src && ensure_venv && ensure_postgres
    if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
        createdb "$db"
        odoo_bin -d "$db" -i "$MODULE" --stop-after-init --log-level=warn --without-demo=all
    fi
    local -a conn=(--db_user "$DB_USER" --db_port "$DB_PORT")
    [ -n "$DB_HOST" ] && conn+=(--db_host "$DB_HOST")
    "$VENV/bin/python" "$REPO_ROOT/bench/$script" -d "$db" --addons-path "$(addons_path)" \
        "${conn[@]}" --log-level=warn "$@"
}

# scratch_db NAME: the database NAME for one run, with the run's data directory and a free HTTP
# port of 127.0.0.1 (sets db, data_dir, port); dropped with its filestore when the script exits.
scratch_db() {
    db=$1
    data_dir="$CACHE_DIR/data"
    port=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # shellcheck disable=SC2064 # the names are fixed now, on purpose
    trap "dropdb --if-exists '$db' 2>/dev/null; rm -rf '$data_dir/filestore/$db'" EXIT
}
