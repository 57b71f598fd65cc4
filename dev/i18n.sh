#!/usr/bin/env bash
# Refresh relances_auto/i18n/relances_auto.pot from the code and data, and
# merge it into fr.po (new terms come in untranslated, gone ones are dropped).
# Installs the module in a scratch database first: the mail templates are
# noupdate data, an update would export their old text.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
have_odoo || die "Odoo is needed: run dev/setup.sh"
pg_start
DB=relances_i18n
mkdir -p "$RUN/logs"
install_db "$DB" "$RUN/logs/i18n-install.log" --without-demo=all
odoo_bin -d "$DB" --i18n-export=relances_auto/i18n/relances_auto.pot --modules=relances_auto \
    --stop-after-init --log-level=warn --logfile="$RUN/logs/i18n.log"
"$VENV/bin/python" - <<'PY'
import polib

pot = polib.pofile("relances_auto/i18n/relances_auto.pot", wrapwidth=78)
po_path = "relances_auto/i18n/fr.po"
try:
    po = polib.pofile(po_path, wrapwidth=78)
except OSError:
    po = polib.POFile(wrapwidth=78)
    po.metadata = dict(pot.metadata)
po.metadata.update({"Language": "fr", "Plural-Forms": "nplurals=2; plural=(n > 1);"})
po.merge(pot)
for entry in po.obsolete_entries():
    po.remove(entry)
po.save(po_path)
missing = [e for e in po if not e.msgstr or "fuzzy" in e.flags]
print(f"fr.po: {len(po)} terms, {len(missing)} untranslated or fuzzy")
PY
