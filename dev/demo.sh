#!/usr/bin/env bash
# The demo: Odoo with relances_auto served at http://127.0.0.1:$PORT (default
# 8069), login admin / admin. Besides the module's demo data (a few overdue
# invoices of "YourCompany"), it holds a French company, "Atelier Durand SARL"
# (EUR, French, Europe/Paris), whose customers have five months of reminders
# sent by the real daily job and payments after some of them (dev/demo_data.py):
# the Relances dashboard and its effectiveness figures are meaningful.
# Its mails go to a local SMTP sink (dev/smtp_sink.py, port $SMTP_PORT, default
# 2525) that stores them in .run/mails/ as .eml files: they show "sent".
#   dev/demo.sh                      # serve (creates the database the first time)
#   RESET=1 dev/demo.sh              # recreate the database
#   PORT=8070 SMTP_PORT=2526 dev/demo.sh
# Ctrl+C stops Odoo and the sink.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
have_odoo || die "Odoo is needed: run dev/setup.sh"
PORT="${PORT:-8069}"
SMTP_PORT="${SMTP_PORT:-2525}"
pg_start
DB=relances_demo
mkdir -p "$RUN/logs"

"$VENV/bin/python" dev/smtp_sink.py --port "$SMTP_PORT" --dir "$RUN/mails" > "$RUN/logs/smtp-sink.log" 2>&1 &
SINK=$!
trap 'kill $SINK 2>/dev/null || true' EXIT
sleep 0.5
kill -0 $SINK 2>/dev/null || die "the SMTP sink could not start on port $SMTP_PORT (see $RUN/logs/smtp-sink.log)"

if [[ "${RESET:-0}" == "1" ]] || ! psql_run -c "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    say "Creating $DB with demo data"
    # with Odoo's online payment of invoices (its demo provider): the customer's "Pay now"
    MODULES=relances_auto,account_payment,payment_demo \
        install_db "$DB" "$RUN/logs/demo-install.log" --smtp=127.0.0.1 --smtp-port="$SMTP_PORT"
    say "Adding Atelier Durand SARL and five months of reminders (a few minutes)"
    "$VENV/bin/python" dev/demo_data.py -c "$ODOO_CONF" -d "$DB" --smtp-port "$SMTP_PORT" \
        --base-url "http://127.0.0.1:$PORT" \
        || die "the demo data failed"
fi
# an existing demo database is upgraded to this tree's code first
say "Serving $DB at http://127.0.0.1:$PORT  (login: admin / password: admin); mails in $RUN/mails"
"$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$ODOO_CONF" -d "$DB" --db-filter="^$DB\$" \
    -u relances_auto --http-interface=127.0.0.1 --http-port="$PORT" --max-cron-threads=1 \
    --smtp=127.0.0.1 --smtp-port="$SMTP_PORT"
