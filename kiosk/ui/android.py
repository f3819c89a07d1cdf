"""What only Android needs: start the sync service, keep the tablet in the app.

Keeping the tablet in the app is Android's lock task mode: `startLockTask()`. Without
more, Android asks the person at the tablet to confirm screen pinning once (IT does it
when setting the tablet up). Pinning with no prompt and no way out needs the app allowed
by a device owner (an MDM's kiosk policy, or a device-admin receiver provisioned with
`adb shell dpm set-device-owner`), which this build does not ship yet. Calling it is
harmless where it is not allowed.
"""

from __future__ import annotations

import logging

log = logging.getLogger("kiosk")

SERVICE_CLASS = "vn.kioskhailong.kioskhailong.ServiceSync"  # p4a: <domain>.<name>.Service<Name>


def on_android() -> bool:
    from kivy.utils import platform

    return platform == "android"


def start_sync_service() -> None:
    """Start (or find running) the sync daemon's foreground service."""
    from android import mActivity  # type: ignore[import-not-found]  # p4a's module
    from jnius import autoclass  # type: ignore[import-not-found]

    autoclass(SERVICE_CLASS).start(mActivity, "")


def keep_in_app() -> None:
    """Lock task mode where the platform allows it (see the module's docstring)."""
    from android import mActivity  # type: ignore[import-not-found]
    from android.runnable import run_on_ui_thread  # type: ignore[import-not-found]

    @run_on_ui_thread
    def lock() -> None:
        try:
            mActivity.startLockTask()
        except Exception as exc:  # not permitted on this device: pinning stays manual
            log.warning("lock task mode not available: %s", exc)

    lock()


def release_app() -> None:
    """Leave lock task mode (the staff exit)."""
    from android import mActivity  # type: ignore[import-not-found]
    from android.runnable import run_on_ui_thread  # type: ignore[import-not-found]

    @run_on_ui_thread
    def unlock() -> None:
        try:
            mActivity.stopLockTask()
        except Exception as exc:
            log.warning("lock task mode could not be left: %s", exc)

    unlock()
