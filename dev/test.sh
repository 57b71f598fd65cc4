#!/usr/bin/env bash
# Run the whole test suite against a real PostgreSQL and a real Odoo 18:
#   1. start the project's own PostgreSQL cluster (.run/, Unix socket only);
#   2. install relances_auto in two throwaway databases, with and without demo
#      data (the first also with Odoo's online payment, account_payment and
#      payment_demo), and fail on any WARNING/ERROR about it in the install logs;
#   3. run the addon's tests (pytest-odoo, HTTP server on, tours in headless
#      Chromium), then the Odoo-free unit tests, in one pytest run.
# A skipped test fails the run (see conftest.py). Extra arguments go to pytest,
# e.g. dev/test.sh -k planner. REUSE_DB=1 updates the existing test database
# instead of recreating it (faster while developing).
# Without Odoo only the Odoo-free tests run, with a loud warning;
# REQUIRE_ODOO=1 makes that a failure (CI sets it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PY="$VENV/bin/python"
[[ -x "$PY" ]] || PY=python3

if ! have_odoo; then
    msg="ODOO SUITE DID NOT RUN: no Odoo 18 at ODOO_PATH=$ODOO_PATH or no .venv (run dev/setup.sh)."
    if [[ "${REQUIRE_ODOO:-0}" == "1" ]]; then
        die "$msg REQUIRE_ODOO=1 makes this a failure."
    fi
    printf '\n\033[1;31m%s\nOnly the Odoo-free unit tests run now.\033[0m\n\n' "$msg"
    export RELANCES_ODOO_SKIPPED="$msg"
    exec "$PY" -m pytest -p no:odoo -p no:cacheprovider tests "$@"
fi

pg_start
DB="${TEST_DB:-relances_test}"
DB_NODEMO="${DB}_nodemo"
LOGDIR="$RUN/logs"
mkdir -p "$LOGDIR"

if [[ "${REUSE_DB:-0}" == "1" ]] && psql_run -c "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    say "Updating relances_auto in $DB"
    odoo_bin -d "$DB" -u relances_auto --stop-after-init --log-level=warn --logfile="$LOGDIR/update.log" \
        || { tail -40 "$LOGDIR/update.log"; die "update failed"; }
else
    say "Installing relances_auto in $DB (demo data) and $DB_NODEMO (no demo data)"
    # with Odoo's online payment of invoices and its demo provider: the
    # customer's "Pay now" (test_answers.py); the other database has neither
    MODULES=relances_auto,account_payment,payment_demo install_db "$DB" "$LOGDIR/install-demo.log" &
    pid_demo=$!
    install_db "$DB_NODEMO" "$LOGDIR/install-nodemo.log" --without-demo=all &
    pid_nodemo=$!
    wait $pid_demo || die "install with demo data failed (see $LOGDIR/install-demo.log)"
    wait $pid_nodemo || die "install without demo data failed (see $LOGDIR/install-nodemo.log)"
    say "Both installs are clean (no WARNING/ERROR about relances_auto)"
fi

say "Running the tests"
paths=(relances_auto/tests)
compgen -G "tests/test_*.py" >/dev/null && paths+=(tests)   # Odoo-free unit tests
exec "$VENV/bin/python" -m pytest -p no:cacheprovider \
    --odoo-config="$ODOO_CONF" --odoo-database="$DB" --odoo-http \
    --odoo-log-level="${ODOO_LOG_LEVEL:-warn}" \
    "${paths[@]}" "$@"
