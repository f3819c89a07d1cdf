#!/usr/bin/env bash
# Debian packages the tests need: a virtual X server, Mesa's software OpenGL, PostgreSQL,
# zbar (pyzbar's library).
# Installs only what is missing; needs root (or sudo) when something is.
set -euo pipefail
needed=(xvfb xauth libgl1 libgl1-mesa-dri libegl1 libmtdev1 postgresql openssl libzbar0)
missing=()
for package in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
