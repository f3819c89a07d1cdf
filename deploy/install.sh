#!/usr/bin/env bash
# Installs (or upgrades) Kiosk Hài Lòng on a Linux tablet from a built bundle:
#
#   sudo deploy/install.sh [dist/kiosk-hai-long] [--root DIR] [--no-start]
#
#   /opt/kiosk-hai-long/            the bundle (kiosk-hai-long, kiosk-hai-long-sync)
#   /etc/kiosk-hai-long/config.yaml the deployment's settings (kept on upgrade)
#   /var/lib/kiosk-hai-long/        data: kiosk.db, keys/, enrolment.json, logs/ (group kiosk)
#   /etc/systemd/system/            kiosk-hai-long.service, kiosk-hai-long-sync.service
#   /etc/logrotate.d/kiosk-hai-long
#
# An upgrade stops both services, swaps the bundle and starts them again; the kiosk backs
# up and migrates its data on that start (and restores it if the migration fails).
# --root installs into another tree (an image being prepared, the tests) without users
# or systemctl.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundle="$here/../dist/kiosk-hai-long"
root=""
start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="$2"; shift 2 ;;
    --no-start) start=0; shift ;;
    *) bundle="$1"; shift ;;
  esac
done
[ -x "$bundle/kiosk-hai-long" ] || { echo "no bundle at $bundle: run ./scripts/build-linux" >&2; exit 2; }
live=0
if [ -z "$root" ]; then live=1; fi

if [ "$live" = 1 ]; then
  getent group kiosk >/dev/null || groupadd --system kiosk
  id kiosk >/dev/null 2>&1 || useradd --system --gid kiosk --home-dir /var/lib/kiosk-hai-long --shell /usr/sbin/nologin kiosk
  id kiosk-sync >/dev/null 2>&1 || useradd --system --gid kiosk --home-dir /var/lib/kiosk-hai-long --shell /usr/sbin/nologin kiosk-sync
  systemctl stop kiosk-hai-long.service kiosk-hai-long-sync.service 2>/dev/null || true
fi

install -d "$root/opt" "$root/etc/kiosk-hai-long" "$root/etc/systemd/system" "$root/etc/logrotate.d"
rm -rf "$root/opt/kiosk-hai-long.new"
cp -a "$bundle" "$root/opt/kiosk-hai-long.new"
if [ -d "$root/opt/kiosk-hai-long" ]; then
  rm -rf "$root/opt/kiosk-hai-long.old"
  mv "$root/opt/kiosk-hai-long" "$root/opt/kiosk-hai-long.old"
fi
mv "$root/opt/kiosk-hai-long.new" "$root/opt/kiosk-hai-long"
if [ ! -f "$root/etc/kiosk-hai-long/config.yaml" ]; then
  install -m 0640 "$bundle/_internal/config.yaml" "$root/etc/kiosk-hai-long/config.yaml"
  sed -i 's|^data_dir: .*|data_dir: /var/lib/kiosk-hai-long|; s|^  fullscreen: .*|  fullscreen: true|' \
    "$root/etc/kiosk-hai-long/config.yaml"
fi
install -d -m 2770 "$root/var/lib/kiosk-hai-long"
install -m 0644 "$here/systemd/kiosk-hai-long.service" "$here/systemd/kiosk-hai-long-sync.service" \
  "$root/etc/systemd/system/"
install -m 0644 "$here/logrotate/kiosk-hai-long" "$root/etc/logrotate.d/kiosk-hai-long"

if [ "$live" = 1 ]; then
  chgrp kiosk /etc/kiosk-hai-long/config.yaml /var/lib/kiosk-hai-long
  /opt/kiosk-hai-long/kiosk-hai-long check-config /etc/kiosk-hai-long/config.yaml
  systemctl daemon-reload
  systemctl enable kiosk-hai-long.service kiosk-hai-long-sync.service
  if [ "$start" = 1 ]; then systemctl start kiosk-hai-long-sync.service kiosk-hai-long.service; fi
fi
echo "installed $("$root/opt/kiosk-hai-long/kiosk-hai-long" --version) into ${root:-/}"
