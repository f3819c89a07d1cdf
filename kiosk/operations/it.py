"""IT's side of the staff area and of the commands: the status, the export, the portal's
connection test, enrolment by QR code, answers set aside sent again, the log. Reached as
`core.it`; the IT area and `python -m kiosk` / `python -m sync` print what these return.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from contract.api import HEALTH_PATH
from kiosk import __version__
from kiosk.config import check_config_file
from kiosk.domain.shifts import Progress
from kiosk.enrolment import EnrolmentOffer, EnrolmentRefused, EnrolmentState, claim, read_offer
from kiosk.operations import Outcome
from kiosk.operations.staff import IT, audit_quietly

if TYPE_CHECKING:
    from kiosk.core import KioskCore
    from kiosk.domain.forms import Form

log = logging.getLogger("kiosk")

HEALTH_TIMEOUT_S = 10
EXPORT_FOLDER = "exports"  # in the data directory: the IT area's exports

# The store modules import SQLAlchemy (~200 ms) and requests takes ~80 ms (python -X
# importtime): both are imported in the methods, which run after the first frame, never
# while kiosk.core is imported before it.


@dataclass(frozen=True)
class SyncStatus:
    """How far the answers got: what `python -m sync status` prints, and the IT area's
    lines about sending."""

    pending: int
    delivered: int
    rejected: int  # set aside: refused by the portal, kept, `requeue` sends them again
    oldest_pending: datetime | None  # UTC, as stored (kiosk.domain.clock shows it local)
    set_aside_reasons: dict[str, int]  # the rejected ones by kind of reason
    rejected_answers: list[tuple[str, str]]  # (uuid, reason), the first ones
    last_success: str  # ISO 8601, as the sync daemon writes it; "" when never
    last_error: str  # "<ISO 8601> <what happened>"; "" when none
    clock_offset_s: float  # the portal's clock minus ours, learnt from its replies


@dataclass(frozen=True)
class KioskStatus:
    """What the IT area shows: versions, where answers go and how far they got."""

    version: str
    device_id: str
    unit_code: str
    counter: str
    portal_url: str
    enrolment: EnrolmentState
    sync: SyncStatus
    config_problems: int
    progress: Progress
    lookups: dict[str, int]  # "Tra cứu hồ sơ" by outcome (found, unknown, offline, …)


@dataclass(frozen=True)
class PortalCheck:
    """The portal's health as the tablet sees it: answered as a portal (`version`), or
    what went wrong (`error`: "HTTP 503", "ConnectionError", ...)."""

    url: str
    version: str = ""
    server_time: str = ""  # the portal's clock, ISO 8601, when it said
    error: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.version)


class ExportFailed(Exception):
    """An export that wrote nothing (no half-written file is left), saying why itself."""

    def __init__(self, target: str, cause: BaseException):
        super().__init__(f"{target}: {cause}")
        self.target, self.cause = target, cause

    def describe(self, translate: Callable[..., str]) -> str:
        """The one wording for the command line and the IT area."""
        cause = self.cause
        if isinstance(cause, OSError):
            error = os_error_words(translate, cause)
        else:
            error = _first_line(cause)
        return translate("cli.export_failed", path=self.target, error=error)


def os_error_words(translate: Callable[..., str], exc: OSError) -> str:
    """Why a file could not be written, in the reader's language where the reason is common."""
    name = errno.errorcode.get(exc.errno or 0, "")
    if name in ("ENOENT", "ENOTDIR", "EISDIR", "EROFS", "ENOSPC", "EACCES", "EPERM"):
        return translate(f"oserror.{'eacces' if name == 'EPERM' else name.lower()}")
    return exc.strerror or type(exc).__name__


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc) or type(exc).__name__
    return text.splitlines()[0][:200]


@dataclass(frozen=True)
class Exported:
    count: int
    path: Path | None  # None: written to the stream it was given


def check_portal(url: str, ca_file: str | None = None) -> PortalCheck:
    """Ask a portal's health endpoint (one request, no retries: IT sees the answer)."""
    import requests

    try:
        reply = requests.get(
            url.rstrip("/") + HEALTH_PATH, timeout=HEALTH_TIMEOUT_S, verify=ca_file or True
        )
        body = reply.json() if reply.status_code == 200 else None
    except (OSError, ValueError) as exc:  # requests' errors, and a CA file that is not there
        return PortalCheck(url, error=type(exc).__name__)
    if not isinstance(body, dict):
        return PortalCheck(url, error=f"HTTP {reply.status_code}")
    return PortalCheck(url, str(body.get("version") or "?"), str(body.get("server_time") or ""))


class ItDesk:
    """IT's operations on one kiosk (its config, store and data directory)."""

    def __init__(self, core: KioskCore):
        self.core = core

    @property
    def timezone(self) -> str:
        """The unit's time zone: every time IT reads is shown in it."""
        return self.core.config.integrity.timezone

    @property
    def export_folder(self) -> Path:
        """Where the IT area's exports go: <data dir>/exports."""
        return self.core.data_dir / EXPORT_FOLDER

    @property
    def portal_url(self) -> str:
        """Where answers go ("" before enrolment)."""
        return self.core.config.portal_url

    # --- what IT reads -----------------------------------------------------------------
    def status(self) -> KioskStatus:
        core = self.core
        return KioskStatus(
            version=__version__,
            device_id=core.device_id,
            unit_code=core.config.unit_code,
            counter=core.staff.counter_now(),
            portal_url=core.config.portal_url,
            enrolment=core.enrolment_state(),
            sync=self.sync_status(),
            config_problems=len(check_config_file(Path(core.config.source))),
            progress=core.staff.progress(),
            lookups=self.lookup_counts(),
        )

    def lookup_counts(self) -> dict[str, int]:
        """The dossier lookups counted by outcome (nothing else of a lookup is kept)."""
        from kiosk.store.answers import get_state

        outcomes = ("found", "unknown", "offline", "not_kept", "not_enrolled")
        return {o: int(get_state(self.core.engine, f"lookup.{o}") or 0) for o in outcomes}

    def sync_status(self) -> SyncStatus:
        from kiosk.store.answers import get_state
        from kiosk.store.outbox import outbox_status, rejected_entries, set_aside_reasons

        engine = self.core.engine
        outbox = outbox_status(engine)
        return SyncStatus(
            pending=outbox.pending,
            delivered=outbox.delivered,
            rejected=outbox.rejected,
            oldest_pending=outbox.oldest_pending,
            set_aside_reasons=set_aside_reasons(engine),
            rejected_answers=rejected_entries(engine),
            last_success=get_state(engine, "sync.last_success") or "",
            last_error=get_state(engine, "sync.last_error") or "",
            clock_offset_s=float(get_state(engine, "sync.clock_offset_s") or 0),
        )

    def log_tail(self, lines: int) -> list[str]:
        """The kiosk log's last lines, oldest first (nothing personal is ever logged)."""
        try:
            text = self.core.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return text.splitlines()[-lines:]

    # --- what IT does ------------------------------------------------------------------
    def export(
        self,
        fmt: str = "csv",
        to: Path | TextIO | None = None,
        since: datetime | None = None,
        where: str = "it_area",
    ) -> Exported:
        """Export the answers without personal data ('csv' for people, 'jsonl' for
        programs) to a file (written whole or not at all), a stream, or by default
        <data dir>/exports/answers-<local time>.<fmt>; audited as IT's action from `where`
        ("cli", "it_area"). Raises ExportFailed when the file cannot be written or the
        store cannot be read (a full disk, a broken file: IT reads why)."""
        if to is None:  # named in the tablet's local time, as people read file lists
            to = self.export_folder / f"answers-{datetime.now():%Y%m%d-%H%M%S}.{fmt}"
        target = str(to) if isinstance(to, Path) else "stdout"
        try:
            if isinstance(to, Path) and to.parent == self.export_folder:
                self.export_folder.mkdir(parents=True, exist_ok=True)
            done = self._export(fmt, to, since)
        except Exception as exc:  # the disk or the store: nothing was exported
            raise ExportFailed(target, exc) from exc
        core = self.core
        audit_quietly(core, IT, "export", f"{where} {done.path.name if done.path else 'stdout'}")
        return done

    def _export(self, fmt: str, to: Path | TextIO, since: datetime | None) -> Exported:
        from kiosk.store.answers import iter_answers
        from kiosk.store.export import export_to_file, write_export

        form, zone = self.core.form, self.timezone
        long_form = self._long_form_exported(since) if fmt == "csv" else None
        rows = iter_answers(self.core.engine, since)
        if isinstance(to, Path):
            return Exported(export_to_file(rows, fmt, to, form, zone, long_form), to)
        return Exported(write_export(rows, fmt, to, form, zone, long_form), None)

    def _long_form_exported(self, since: datetime | None) -> Form | None:
        """The long form, if long answers are among those exported (its columns then
        follow the quick form's); read only then. A long form whose file went bad since
        check-config leaves its answers in the "other questions" column."""
        from kiosk.store.answers import answer_form_ids

        core = self.core
        if core.config.long_form is None:
            return None
        used = answer_form_ids(core.engine, since)
        if not used - {core.form.id}:
            return None  # the quick form's answers only: its columns, as ever
        try:
            long_form = core.long_form
        except Exception as exc:  # FileProblems: the export goes on, as check-config says
            log.warning("export without the long form's columns: %s", exc)
            return None
        return long_form if long_form is not None and long_form.id in used else None

    def record_exit(self) -> None:
        """IT leaving the kiosk app (to the system's desktop): audited."""
        audit_quietly(self.core, IT, "exit")

    def requeue(self, uuids: Sequence[str] | None, where: str) -> list[str]:
        """Send answers the portal refused again (all of them with None), as IT's audited
        action from `where` ("cli", "it_area"); the UUIDs put back in the queue."""
        from kiosk.store.outbox import requeue

        done = requeue(self.core.engine, None if uuids is None else list(uuids))
        if done:
            which = "all" if uuids is None else " ".join(done)
            self.core.audit(IT, "requeue", f"{where} {len(done)}: {which}")
            log.info("%d answers set aside are queued again (%s)", len(done), where)
        return done

    def check_portal(self) -> PortalCheck:
        """Whether the portal answers, through the tablet's network and CA file; blocks
        up to HEALTH_TIMEOUT_S (the IT area runs it off the UI thread)."""
        return check_portal(self.portal_url, self.core.config.portal_ca_file or None)

    # --- enrolment by QR code ----------------------------------------------------------
    def read_offer(self, payloads: list[bytes]) -> tuple[EnrolmentOffer | None, Outcome | None]:
        """The first enrolment offer among a frame's codes, or why the last was refused (a
        tablet that sends to a portal takes only that portal's, with its key)."""
        config, refusal = self.core.config, None
        for payload in payloads:
            try:
                return read_offer(payload, config.portal_url, config.portal_public_key), None
            except EnrolmentRefused as exc:
                refusal = Outcome(False, exc.key, exc.params)
        return None, refusal

    def enrol_by_offer(self, offer: EnrolmentOffer) -> Outcome:
        """Claim the device secret from the offer's portal and keep the enrolment (audited).
        Blocks up to a claim's timeout (the IT area runs it off the UI thread)."""
        try:
            enrolment = claim(offer, self.core.config.portal_ca_file or None)
            self.core.enrol(enrolment)
        except EnrolmentRefused as exc:
            log.warning("enrolment refused: %s", exc.key)
            return Outcome(False, exc.key, exc.params)
        except OSError as exc:
            log.error("enrolment not saved: %s", type(exc).__name__)
            return Outcome(False, "enrol.save_failed", {"error": exc.strerror or exc})
        audit_quietly(self.core, IT, "enrol", f"{enrolment.device_id} {enrolment.portal_url}")
        said = dict(
            device=enrolment.device_id,
            url=enrolment.portal_url,
            unit=enrolment.unit_code,
            counter=enrolment.counter,
        )
        return Outcome(True, "enrol.done", said)
