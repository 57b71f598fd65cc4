#!/usr/bin/env bash
# The release: build the addon's wheel (odoo-addon-relances_auto) with whool,
# as OCA addons are built, then prove it installs: pip installs it into a fresh
# virtualenv, and Odoo, whose addons path does not hold this repository, finds
# relances_auto in that virtualenv and installs it in a new database.
#   dev/package.sh            # wheel in dist/, then the install check
# Odoo itself is not on PyPI for 18.0: the wheel is installed with --no-deps
# next to an Odoo 18 (here $ODOO_PATH, its Python requirements from .venv).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
have_odoo || die "Odoo is needed: run dev/setup.sh"
"$VENV/bin/python" -c "import whool, build" 2>/dev/null || die "whool and build are needed: run dev/setup.sh"

say "Building the wheel with whool"
rm -rf dist && mkdir -p dist
(cd relances_auto && "$VENV/bin/python" -m build --wheel --no-isolation --outdir "$ROOT/dist" . >"$RUN/logs/wheel.log" 2>&1) \
    || { tail -20 "$RUN/logs/wheel.log"; die "building the wheel failed"; }
wheel="$(ls dist/odoo_addon_relances_auto-*.whl)"
say "Built $wheel"

say "Installing it with pip into a fresh virtualenv"
fresh="$RUN/wheel-venv"
rm -rf "$fresh"
"$VENV/bin/python" -m venv "$fresh"
# Odoo's own Python requirements, from the project's environment (not the addon)
site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
fresh_site="$("$fresh/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$site" >"$fresh_site/odoo-requirements.pth"
"$fresh/bin/python" -m pip install --disable-pip-version-check -q --no-deps "$wheel"
[[ -f "$fresh_site/odoo/addons/relances_auto/__manifest__.py" ]] || die "the wheel did not install odoo/addons/relances_auto"

say "Installing relances_auto from the wheel in a new database (addons path without this repository)"
pg_start
db=relances_wheel
drop_db "$db"
log="$RUN/logs/wheel-install.log"
PYTHONPATH="$ODOO_PATH" "$fresh/bin/python" "$ODOO_PATH/odoo-bin" -c "$ODOO_CONF" \
    --addons-path="$ODOO_PATH/odoo/addons" -d "$db" -i relances_auto --without-demo=all \
    --stop-after-init --log-level=info --logfile="$log" || { tail -30 "$log"; die "installing from the wheel failed"; }
state="$(psql_run -d "$db" -c "SELECT state || ' ' || latest_version FROM ir_module_module WHERE name = 'relances_auto'")"
[[ "$state" == installed* ]] || die "relances_auto is not installed from the wheel ($state)"
path="$(PYTHONPATH="$ODOO_PATH" "$fresh/bin/python" - "$ODOO_CONF" "$ODOO_PATH/odoo/addons" <<'PY'
import sys
import odoo
from odoo.modules.module import get_module_path
odoo.tools.config.parse_config(["-c", sys.argv[1], f"--addons-path={sys.argv[2]}"])
print(get_module_path("relances_auto"))
PY
)"
[[ "$path" == "$fresh_site/odoo/addons/relances_auto" ]] || die "Odoo found relances_auto at $path, not in the wheel's install"
say "The wheel installs: relances_auto $state, from $path"
