#!/usr/bin/env bash
# Creates a virtual environment (if needed) and installs the project into it:
# `scripts/venv.sh [extras]`; VENV=dir picks another one than .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
venv=${VENV:-.venv}
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
spec="."
if [ -n "${1:-}" ]; then spec=".[$1]"; fi
"$venv/bin/python" -m pip install -q -e "$spec"
