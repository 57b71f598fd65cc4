#!/usr/bin/env bash
# The fault test (CI runs it): the daily job's worker killed in the middle of a
# batch (as limit_time_real_cron kills it), then PostgreSQL restarted in the
# middle of a batch; each time the next call of the job completes the day's
# run, and the real SMTP sink receives each reminder exactly once.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
have_odoo || die "Odoo is needed: run dev/setup.sh"
SMTP_PORT="${FAULT_SMTP_PORT:-2627}"
pg_start
mkdir -p "$RUN/logs" "$RUN/faults"
PY=("$VENV/bin/python" dev/faults/fault_job.py "$ODOO_CONF")
count() { psql_run -d "$1" -c "SELECT COUNT(*) FROM relance_log WHERE kind = 'auto'"; }

# start a call of the job slowed down, and interrupt it once it has committed
# a first chunk (5 mails) and before it is done: $2 is how
interrupt() {
    local db="$1" how="$2" pid n=0
    "${PY[@]}" "$db" run 0.3 >"$RUN/logs/fault-$how.log" 2>&1 &
    pid=$!
    until [[ "$(count "$db")" -ge 5 ]]; do
        sleep 0.2
        n=$((n + 1))
        [[ $n -lt 600 ]] || die "the job committed nothing in 2 minutes"
    done
    local before
    before="$(count "$db")"
    case "$how" in
        kill) kill -9 "$pid" ;;
        restart) as_pg_owner "$(pg_bin)/pg_ctl" -D "$PGDATA" -m immediate -w restart >/dev/null ;;
    esac
    wait "$pid" 2>/dev/null || true
    local after
    after="$(count "$db")"
    [[ "$after" -lt 40 ]] || die "the job was done before it could be interrupted ($after)"
    # (this cluster runs with fsync and synchronous_commit off: an immediate
    # restart may also lose the last commits, as a crash would)
    say "Interrupted ($how) with $before of 40 reminders committed ($after kept after it)"
}

for how in kill restart; do
    db="relances_fault_$how"
    sink="$RUN/faults/mails-$how"
    rm -rf "$sink"
    "$VENV/bin/python" dev/smtp_sink.py --port "$SMTP_PORT" --dir "$sink" >"$RUN/logs/fault-sink.log" 2>&1 &
    SINK=$!
    trap 'kill $SINK 2>/dev/null || true' EXIT
    say "Fault test: $how the daily job mid-batch ($db)"
    install_db "$db" "$RUN/logs/fault-install-$how.log" --without-demo=all
    "${PY[@]}" "$db" setup "$SMTP_PORT"
    interrupt "$db" "$how"
    "${PY[@]}" "$db" run        # the next (hourly) call
    "${PY[@]}" "$db" deliver
    "${PY[@]}" "$db" check "$sink" || die "after the $how, something was lost or sent twice"
    kill $SINK 2>/dev/null || true
done
say "Worker killed, database restarted: the next run completes, nothing twice, nothing lost"
