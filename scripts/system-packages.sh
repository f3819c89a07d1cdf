#!/usr/bin/env bash
# Debian packages: `system-packages.sh run` those the kiosk needs to run (Mesa's OpenGL,
# mtdev for Kivy's input, zbar for pyzbar, venv for .venv); `system-packages.sh [test]`
# those and what the tests need besides (a virtual X server, PostgreSQL, openssl,
# Chromium with its driver for the web survey's browser tests, poppler's pdftotext and
# pdffonts for the report's PDF, LibreOffice Calc to open its XLSX as Excel's users do).
# `--missing` after either prints the missing ones and installs nothing.
# Installs only what is missing; needs root (or sudo) when something is.
set -euo pipefail
cd "$(dirname "$0")/.."
run=(libgl1 libgl1-mesa-dri libegl1 libmtdev1 libzbar0)
case "${1:-test}" in
  run) needed=("${run[@]}") ;;
  test)
    needed=("${run[@]}" xvfb xauth postgresql openssl chromium chromium-driver
      poppler-utils libreoffice-calc-nogui)
    ;;
  *)
    echo "usage: scripts/system-packages.sh [run|test] [--missing]" >&2
    exit 2
    ;;
esac
missing=()
# One dpkg-query for all of them (run-kiosk runs this at every start).
installed=$'\n'$(dpkg-query -W -f='${Package} ${Status}\n' "${needed[@]}" 2>/dev/null || true)$'\n'
for package in "${needed[@]}"; do
  [[ $installed == *$'\n'"$package install ok installed"$'\n'* ]] || missing+=("$package")
done
# Debian's python3 makes virtual environments only with python3-venv (ensurepip): needed
# while the environment scripts/venv.sh makes is not there yet.
venv=${VENV:-.venv}
if [ ! -x "$venv/bin/python" ] && ! python3 -c 'import ensurepip' 2>/dev/null; then
  missing+=(python3-venv)
fi
if [ "${2:-}" = "--missing" ]; then
  if [ "${#missing[@]}" -gt 0 ]; then printf '%s\n' "${missing[@]}"; fi
  exit 0
fi
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
