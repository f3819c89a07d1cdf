"""systemd's notification protocol, in a few lines (no dependency): READY=1 and the
watchdog's WATCHDOG=1 sent to $NOTIFY_SOCKET.

The kiosk runs under cage (deploy/systemd/kiosk-hai-long.service, NotifyAccess=all), so
the watchdog is on when WATCHDOG_USEC is set, whatever WATCHDOG_PID says: the main
process systemd watches is cage, and a frozen kiosk must still be caught.
"""

from __future__ import annotations

import os
import socket


def notify(message: str) -> bool:
    """Send one notification; False when not run by systemd (or the socket is gone)."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            # Never wait: this runs on the UI thread, and a reader that stopped reading
            # must not freeze the screen (a full queue simply loses this ping).
            sock.send(message.encode(), socket.MSG_DONTWAIT)
        return True
    except OSError:  # no socket, or BlockingIOError from a full queue
        return False


def watchdog_interval_s() -> float | None:
    """How often to ping: half of WatchdogSec, or None when no watchdog is asked for."""
    try:
        usec = int(os.environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 2_000_000 if usec > 0 else None
