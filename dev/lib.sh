# Shared by dev/test.sh, dev/demo.sh and dev/benchmark.sh (sourced, not run).
# A PostgreSQL cluster owned by the project: data under .run/ (git-ignored),
# listening only on its own Unix socket, so no system service and no TCP port
# is needed. PostgreSQL refuses to run as root: as root it runs as "postgres".

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_PATH="${ODOO_PATH:-/opt/odoo18}"
VENV="$ROOT/.venv"
RUN="$ROOT/.run"
PGDIR="$RUN/pg"          # owned by the cluster's OS user
PGDATA="$PGDIR/data"
PGSOCK="$PGDIR/socket"
PGLOG="$PGDIR/postgresql.log"
PGPORT=5432            # only names the socket file; nothing listens on TCP
PGUSER_ODOO=odoo
ODOO_CONF="$RUN/odoo.conf"
# HTTP port of the test server (browser tours, and the web assets wkhtmltopdf
# loads for PDFs), apart from dev/demo.sh's 8069 so that both can run at once.
TEST_HTTP_PORT="${TEST_HTTP_PORT:-8169}"

# Odoo finds wkhtmltopdf on the PATH: the patched-Qt build of dev/setup.sh first.
[[ -x "$VENV/wkhtmltox/bin/wkhtmltopdf" ]] && export PATH="$VENV/wkhtmltox/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[1;31mERROR: %s\033[0m\n' "$*" >&2; exit 2; }

pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/pg_ctl" ]] && { echo "$d"; return; }
    done
    command -v pg_ctl >/dev/null && { dirname "$(command -v pg_ctl)"; return; }
    die "PostgreSQL server binaries not found: run dev/setup.sh"
}

as_pg_owner() {  # run a command as the OS user that owns the cluster
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    local bin
    bin="$(pg_bin)"
    mkdir -p "$RUN"
    if [[ $(id -u) -eq 0 ]]; then
        # the "postgres" user must be able to reach .run/ through the repo path
        runuser -u postgres -- test -x "$RUN" \
            || die "user postgres cannot enter $RUN: make the path to the repository world-traversable (chmod o+x on its parent folders)."
    fi
    if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
        say "Creating the project's PostgreSQL cluster in $PGDATA"
        mkdir -p "$PGDATA" "$PGSOCK"
        [[ $(id -u) -eq 0 ]] && chown -R postgres: "$PGDIR"
        chmod 700 "$PGDATA"
        as_pg_owner "$bin/initdb" -D "$PGDATA" -U "$PGUSER_ODOO" -A trust -E UTF8 \
            --locale=C.UTF-8 >"$RUN/initdb.log" 2>&1 || { cat "$RUN/initdb.log"; die "initdb failed"; }
        cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PGSOCK'
port = $PGPORT
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
CONF
    fi
    if ! as_pg_owner "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        as_pg_owner "$bin/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 start >/dev/null \
            || { tail -20 "$PGLOG"; die "PostgreSQL did not start"; }
    fi
    write_odoo_conf
}

pg_stop() {
    as_pg_owner "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
}

psql_run() { PGOPTIONS="-c client_min_messages=warning" "$(pg_bin)/psql" -h "$PGSOCK" -p "$PGPORT" -U "$PGUSER_ODOO" -d postgres -qAt "$@"; }

drop_db() {
    psql_run -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"
    rm -rf "$RUN/data/filestore/$1"
}

write_odoo_conf() {
    mkdir -p "$RUN/data"
    cat >"$ODOO_CONF" <<CONF
[options]
addons_path = $ODOO_PATH/odoo/addons,$ROOT
data_dir = $RUN/data
db_host = $PGSOCK
db_port = $PGPORT
db_user = $PGUSER_ODOO
db_password = False
list_db = True
max_cron_threads = 0
http_port = $TEST_HTTP_PORT
CONF
}

have_odoo() {
    [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c "import odoo.release" >/dev/null 2>&1 \
        && [[ -f "$ODOO_PATH/odoo-bin" ]]
}

odoo_bin() { "$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$ODOO_CONF" "$@"; }

# install_db NAME LOGFILE [odoo args...]: a fresh database with relances_auto;
# fails if the install logs a WARNING or ERROR that concerns relances_auto.
install_db() {  # install_db DB LOG [odoo-bin args]; MODULES: what to install (relances_auto)
    local db="$1" log="$2"
    shift 2
    drop_db "$db"
    odoo_bin -d "$db" -i "${MODULES:-relances_auto}" --stop-after-init --log-level=info \
        --logfile="$log" "$@" || { tail -40 "$log"; die "installing relances_auto in $db failed"; }
    local bad
    bad="$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$log" | grep -i 'relance' || true)"
    if [[ -n "$bad" ]]; then
        printf '%s\n' "$bad" >&2
        die "installing relances_auto in $db logged the warnings/errors above ($log)"
    fi
}
