#!/usr/bin/env bash
# Lint the project as CI does: ruff (check + format) on all Python, and
# pylint-odoo's Odoo checks on the addon (.pylintrc).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/pylint" --rcfile=.pylintrc relances_auto
say "Lint clean"
