#!/usr/bin/env bash
# Creates a virtual environment (if needed) and installs the project into it:
# `scripts/venv.sh [extras]`; VENV=dir picks another one than .venv.
# Installs once: a stamp in the environment keeps a hash of pyproject.toml (and the extras,
# and the Python); the next call with the same ones returns at once. The install is
# editable, so changes to the code need none.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
venv=${VENV:-.venv}
extras=${1:-}
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
stamp_of() { # the stamp's content for a set of extras
  { cat pyproject.toml; echo "extras=$1"; "$venv/bin/python" -VV; } | sha256sum | cut -d' ' -f1
}
# What is installed with the test extras includes the portal's, and the base.
covered_by=("$extras")
case "$extras" in
  "") covered_by+=(portal test) ;;
  portal) covered_by+=(test) ;;
esac
for installed in "${covered_by[@]}"; do
  stamp="$venv/.kiosk-hai-long-installed${installed:+-$installed}"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stamp_of "$installed")" ]; then
    exit 0
  fi
done
"$venv/bin/python" -m pip install -q --upgrade pip
spec="."
if [ -n "$extras" ]; then spec=".[$extras]"; fi
"$venv/bin/python" -m pip install -q -e "$spec"
stamp_of "$extras" >"$venv/.kiosk-hai-long-installed${extras:+-$extras}"
