#!/usr/bin/env bash
# The upgrade test (CI runs it): for each earlier release, install relances_auto
# at that release (its code from git, in a scratch folder), make history with
# that code (reminders delivered through a real local SMTP server, a reminder by
# hand, fees, a pause, an invoice in instalments, an edited template), upgrade
# to this tree with `-u relances_auto`, then check that nothing is lost or sent
# again and that what the new version adds is there (dev/upgrade/).
#   dev/upgrade_test.sh                       # from every release below
#   dev/upgrade_test.sh b157c23               # from one (a commit or tag)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
have_odoo || die "Odoo is needed: run dev/setup.sh"
# Releases are named by commit, since a clone does not always carry tags:
# b157c23 is 18.0.1.0.0, the first release; c7ce03a is main before the
# production-life work (same version number, a later schema).
RELEASES=("${@:-b157c23 c7ce03a}")
read -r -a RELEASES <<<"${RELEASES[*]}"
SMTP_PORT="${UPGRADE_SMTP_PORT:-2626}"
pg_start
mkdir -p "$RUN/logs" "$RUN/upgrade"
"$VENV/bin/python" dev/smtp_sink.py --port "$SMTP_PORT" --dir "$RUN/upgrade/mails" >"$RUN/logs/upgrade-sink.log" 2>&1 &
SINK=$!
trap 'kill $SINK 2>/dev/null || true' EXIT
sleep 1
kill -0 $SINK 2>/dev/null || die "the SMTP sink could not start on port $SMTP_PORT"

for release in "${RELEASES[@]}"; do
    git rev-parse -q --verify "$release^{commit}" >/dev/null || die "no commit $release in this clone (a shallow clone? git fetch --unshallow)"
    old="$RUN/upgrade/$release"
    db="relances_upgrade_${release//[^A-Za-z0-9]/_}"
    log="$RUN/logs/upgrade-$release.log"
    rm -rf "$old" && mkdir -p "$old"
    git archive "$release" relances_auto | tar -x -C "$old"
    say "Installing relances_auto $release in $db (English and French)"
    drop_db "$db"
    odoo_bin -d "$db" -i relances_auto --without-demo=all --load-language=fr_FR --stop-after-init \
        --addons-path="$ODOO_PATH/odoo/addons,$old" --log-level=warn --logfile="$log" \
        || { tail -30 "$log"; die "install of $release failed"; }
    say "Making history with the code of $release"
    "$VENV/bin/python" dev/upgrade/make_history.py "$ODOO_CONF" "$db" "$ODOO_PATH/odoo/addons,$old" \
        "$SMTP_PORT" "$old/snapshot.json" || die "making history at $release failed"
    say "Upgrading $db to this tree"
    odoo_bin -d "$db" -u relances_auto --stop-after-init --log-level=info --logfile="$log.update" \
        || { tail -30 "$log.update"; die "upgrade from $release failed"; }
    bad="$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$log.update" | grep -i 'relance' || true)"
    [[ -z "$bad" ]] || { printf '%s\n' "$bad"; die "the upgrade from $release logged the warnings/errors above"; }
    say "Checking the upgraded database"
    "$VENV/bin/python" dev/upgrade/check_upgrade.py "$ODOO_CONF" "$db" "$old/snapshot.json" \
        || die "the upgrade from $release lost or changed something (see above)"
done
say "Upgrades from ${RELEASES[*]}: nothing lost, nothing sent twice"
