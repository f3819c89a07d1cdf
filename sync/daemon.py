"""The delivery loop: oldest answers first, in batches, marked only on the portal's word.

A round sends batch after batch until the outbox is empty or a batch fails. A failed
round is followed by a backoff (sync.policy) that a returning network cuts short.

Only the portal, answering in its contract's error format, can refuse what was sent
(client.DeliveryError.refused): the batch is then halved until the one answer it
refuses is alone, charging nobody on the way; that answer alone is charged, and set
aside after QUARANTINE_AFTER refusals. Any other failure is the network's: no answer is
charged for it, however long it lasts.
"""

from __future__ import annotations

import logging
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from kiosk import __version__
from kiosk.core import KioskCore
from kiosk.store.answers import get_state, set_state
from kiosk.store.audit import mark_delivered, pending
from kiosk.store.outbox import (
    apply_results,
    charge_refusal,
    outbox_status,
    pending_batch,
    set_aside,
    set_aside_reasons,
)
from kiosk.store.wire import to_wire
from sync.client import DeliveryError, PortalClient
from sync.policy import AFTER_SUCCESS_S, HEARTBEAT_EVERY_S, IDLE_POLL_S, Backoff

log = logging.getLogger("kiosk.sync")

DEFAULT_BATCH = 200
PROBE_EVERY_S = 15.0
QUARANTINE_AFTER = 3  # a lone answer the portal refuses this often (in rounds) is set aside


@dataclass
class Round:
    batches: int = 0
    sent: int = 0
    stored: int = 0
    duplicate: int = 0
    refused: int = 0
    bytes_sent: int = 0
    error: DeliveryError | None = None

    @property
    def delivered(self) -> int:
        return self.stored + self.duplicate


def _iso_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SyncDaemon:
    def __init__(self, core: KioskCore, client: PortalClient, batch_size: int = DEFAULT_BATCH):
        self.core = core
        self.engine = core.engine
        self.client = client
        self.batch_size = batch_size
        self.backoff = Backoff()
        self.stop = threading.Event()

    # --- one round -------------------------------------------------------------------
    def deliver(self) -> Round:
        report = Round()
        size = self.batch_size
        while not self.stop.is_set():
            rows = pending_batch(self.engine, size)
            if not rows:
                break
            started = time.monotonic()
            try:
                # Sent as the enrolled device's own (the portal binds answers to the signer),
                # also those taken before enrolment under an id the tablet made itself.
                signer = {"device_id": self.client.enrolment.device_id}
                reply = self.client.send_batch([to_wire(row) | signer for row in rows])
            except DeliveryError as exc:
                self._remember_error(exc)
                if exc.refused and len(rows) > 1:
                    size = len(rows) // 2  # narrow down to the answer refused; none charged
                    continue
                if exc.refused and self._refused_alone(rows[0], exc):
                    size = self.batch_size  # found and set aside: full batches again
                    continue
                log.warning("batch of %d not delivered: %s", len(rows), exc)
                report.error = exc
                return report
            counts = apply_results(self.engine, reply.fates)
            self._account(report, counts, len(rows), reply.bytes_sent)
            set_state(self.engine, "sync.last_success", _iso_now())
            set_state(self.engine, "sync.clock_offset_s", f"{self.client.clock_offset_s:.1f}")
            log.info(
                "batch %s: %d sent, %d stored, %d duplicate, %d refused, %d bytes, %.0f ms",
                reply.batch_id,
                len(rows),
                counts["stored"],
                counts["duplicate"],
                counts["conflict"] + counts["rejected"],
                reply.bytes_sent,
                1000 * (time.monotonic() - started),
            )
        return report

    def _account(self, report: Round, counts: dict[str, int], sent: int, size: int) -> None:
        report.batches += 1
        report.sent += sent
        report.stored += counts["stored"]
        report.duplicate += counts["duplicate"]
        report.refused += counts["conflict"] + counts["rejected"]
        report.bytes_sent += size

    def _refused_alone(self, row, exc: DeliveryError) -> bool:
        """Charge the answer the portal refused on its own; set it aside when that has
        happened often enough (True)."""
        attempts = charge_refusal(self.engine, row.uuid, str(exc))
        if attempts < QUARANTINE_AFTER:
            return False
        set_aside(
            self.engine, row.uuid, f"{exc.code}: set aside after {attempts} refusals: {exc.detail}"
        )
        log.warning("answer %s set aside after %d refusals: %s", row.uuid, attempts, exc)
        return True

    def _remember_error(self, exc: DeliveryError) -> None:
        set_state(self.engine, "sync.last_error", _fit(f"{_iso_now()} {exc}"))

    # --- the staff audit log --------------------------------------------------------
    def deliver_audit(self) -> int:
        """Send the staff audit entries not yet delivered; return how many went."""
        sent = 0
        while entries := pending(self.engine, self.batch_size):
            wire = [
                {
                    "id": e.id,
                    "at": e.at.isoformat() + "Z",
                    "actor": e.actor,
                    "action": e.action,
                    "detail": e.detail,
                }
                for e in entries
            ]
            try:
                self.client.send_audit(wire)
            except DeliveryError as exc:
                log.info("audit log not delivered: %s", exc)
                break
            mark_delivered(self.engine, [e.id for e in entries])
            sent += len(entries)
        return sent

    # --- heartbeat -----------------------------------------------------------------
    def heartbeat(self) -> None:
        status = outbox_status(self.engine)
        free = shutil.disk_usage(self.core.data_dir).free
        state = {
            "app_version": __version__,
            "outbox_depth": status.pending,
            "oldest_undelivered": (
                status.oldest_pending.isoformat() + "Z" if status.oldest_pending else None
            ),
            "free_disk_bytes": free,
            "last_error": _fit(get_state(self.engine, "sync.last_error") or "") or None,
            "device_time": _iso_now(),
            "set_aside": status.rejected,  # how many the portal refused, and why
            "set_aside_reasons": {
                _fit(why, 200): count for why, count in set_aside_reasons(self.engine).items()
            },
        }
        try:
            self.client.heartbeat(state)
        except DeliveryError as exc:
            log.info("heartbeat not delivered: %s", exc)

    # --- forever ---------------------------------------------------------------------
    def run_forever(self) -> None:
        next_heartbeat = 0.0
        while not self.stop.is_set():
            report = self.deliver()  # no network at all when nothing is pending
            if report.error is None:
                self.deliver_audit()
            if report.sent or report.error or time.monotonic() >= next_heartbeat:
                self.heartbeat()
                next_heartbeat = time.monotonic() + HEARTBEAT_EVERY_S
            if report.error is None:
                self.backoff.succeeded()
                self.stop.wait(AFTER_SUCCESS_S if report.sent else IDLE_POLL_S)
                continue
            wait = self.backoff.failed(report.error.retry_after_s)
            log.info("next attempt in %.0f s", wait)
            self._wait_for_network(wait, report.error)

    def _wait_for_network(self, seconds: float, error: DeliveryError) -> None:
        """Sleep, but try again at once when a network that was down comes back."""
        deadline = time.monotonic() + seconds
        while not self.stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.stop.wait(min(left, PROBE_EVERY_S))
            if error.kind == "network" and self._portal_reachable():
                log.info("the portal answers again")
                return

    def _portal_reachable(self) -> bool:
        parts = urlsplit(self.client.enrolment.portal_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname, port), timeout=2):
                return True
        except OSError:
            return False


def _fit(text: str, limit: int = 1000) -> str:
    """A text the heartbeat's contract takes: printable, and short. An error may quote a
    proxy's page, with control characters and no end; the whole heartbeat would be refused."""
    printable = "".join(c if c.isprintable() else " " for c in text)
    return printable[:limit]
