#!/usr/bin/env bash
# Create .venv with the system python3 (>= 3.11). Debian splits venv/ensurepip into the
# python3-venv package: install it when we are root and it is missing.
set -euo pipefail
PY=${PYTHON:-python3}
VENV=${1:-.venv}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "python3 >= 3.11 is required, found " + sys.version.split()[0])'
if [ -x "$VENV/bin/python" ]; then exit 0; fi
if ! "$PY" -m venv "$VENV" 2>/dev/null; then
  rm -rf "$VENV"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "> installing python3-venv (Debian keeps venv in its own package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    "$PY" -m venv "$VENV"
  else
    echo "error: '$PY -m venv' failed; install your distribution's python3-venv package" >&2
    exit 1
  fi
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
