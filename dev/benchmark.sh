#!/usr/bin/env bash
# Benchmark of the reminder planner (and of the daily job): see dev/benchmark.py.
#   dev/benchmark.sh            # N = 1,000 / 10,000 / 100,000
#   dev/benchmark.sh 1000 5000  # other sizes
# Uses its own database (relances_bench), recreated on each run.
#   dev/benchmark.sh --job-size 2000 1000   # smaller job timing
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
have_odoo || die "Odoo is needed: run dev/setup.sh"
pg_start
DB=relances_bench
mkdir -p "$RUN/logs"
say "Creating $DB (relances_auto, no demo data)"
install_db "$DB" "$RUN/logs/bench-install.log" --without-demo=all
exec "$VENV/bin/python" dev/benchmark.py -c "$ODOO_CONF" -d "$DB" "$@"
