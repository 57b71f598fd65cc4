#!/usr/bin/env bash
# A demo database (customers, overdue invoices at various ages, the default
# program) served at http://127.0.0.1:8069. RESET=1 recreates it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
have_odoo || die "Odoo is needed: run dev/setup.sh"
pg_start
DB=relances_demo
mkdir -p "$RUN/logs"
if [[ "${RESET:-0}" == "1" ]] || ! psql_run -c "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    say "Creating $DB with demo data"
    install_db "$DB" "$RUN/logs/demo-install.log"
fi
say "Serving $DB at http://127.0.0.1:8069  (login: admin / password: admin)"
exec "$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$ODOO_CONF" -d "$DB" --db-filter="^$DB\$" \
    --http-interface=127.0.0.1 --http-port=8069 --max-cron-threads=1
