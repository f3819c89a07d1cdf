"""`python -m sync`: run the daemon, send once (`--once`), print the status (`status`), or
send answers set aside again (`requeue --all | UUID...`, audited).

Each command imports what it needs: `status` and `requeue` answer without loading requests,
urllib3 and the daemon (`import sync.daemon` costs ~0.45 s more than `kiosk.core` here), so
IT's status check stays quick on a tablet."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.locale import Translator

if TYPE_CHECKING:
    from kiosk.core import KioskCore

EXIT_OK, EXIT_PENDING, EXIT_NOT_READY, EXIT_RUNNING = 0, 1, 2, 3
ENROLMENT_POLL_S = 2.0


def build_parser() -> argparse.ArgumentParser:
    from kiosk import __version__

    parser = argparse.ArgumentParser(prog="python -m sync", description="Kiosk Hài Lòng sync")
    parser.add_argument("--version", action="version", version=f"kiosk-hai-long-sync {__version__}")
    parser.add_argument("command", nargs="?", choices=("run", "status", "requeue"), default="run")
    parser.add_argument("uuids", nargs="*", metavar="UUID", help="requeue: these answers")
    parser.add_argument("--all", action="store_true", help="requeue: every answer set aside")
    parser.add_argument("--once", action="store_true", help="send what is pending, then exit")
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--batch-size", type=int, default=None, help="answers per request (default: the daemon's)"
    )
    parser.add_argument(
        "--max-backoff",
        type=float,
        default=None,
        help="longest wait after failures, in seconds (default: the back-off's)",
    )
    parser.add_argument("--json", action="store_true", help="status as JSON")
    parser.add_argument("--lang", default="vi", choices=("vi", "en"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "requeue" and (args.uuids or args.all):
        parser.error("UUID and --all go with requeue")
    tr = Translator(args.lang)
    from kiosk.core import KioskCore

    core, why = KioskCore.open_or_say_why(args.config, args.data_dir, tr)
    if core is None:
        print(why, file=sys.stderr)
        return EXIT_NOT_READY
    if args.command == "status":
        return _status(core, tr, args.json)
    if args.command == "requeue":
        return _requeue(core, tr, args.uuids, args.all)
    return _run(core, tr, args)


def _requeue(core: KioskCore, tr: Translator, uuids: list[str], everything: bool) -> int:
    """Put answers set aside back in the queue; a running daemon sends them within seconds."""
    if everything == bool(uuids):  # neither, or both: say what is meant
        print(tr("sync.requeue_usage"), file=sys.stderr)
        return EXIT_NOT_READY
    done = core.it.requeue(None if everything else list(dict.fromkeys(uuids)), "cli")
    print(tr("sync.requeue_done", count=len(done)))
    missing = [uuid for uuid in uuids if uuid not in done]
    for uuid in missing:
        print(tr("sync.requeue_not_set_aside", uuid=uuid), file=sys.stderr)
    return EXIT_PENDING if missing else EXIT_OK


def _run(core: KioskCore, tr: Translator, args: argparse.Namespace) -> int:
    from kiosk.enrolment import load_enrolment
    from sync.client import PortalClient
    from sync.daemon import DEFAULT_BATCH, SyncDaemon
    from sync.lock import AlreadyRunning, DataDirLock

    enrolment = load_enrolment(core.data_dir)
    if enrolment is None and args.once:
        print(tr("sync.not_enrolled"), file=sys.stderr)
        return EXIT_NOT_READY
    _log_to_stderr()
    if enrolment is None:  # the staff area may enrol the tablet any moment (QR code)
        print(tr("sync.waiting_for_enrolment"), file=sys.stderr, flush=True)
        enrolment = _wait_for_enrolment(core.data_dir)
        if enrolment is None:
            return EXIT_OK
    try:
        with DataDirLock(core.data_dir):
            offset = core.it.sync_status().clock_offset_s  # learnt before a restart
            client = PortalClient(enrolment, core.config.portal_ca_file or None, offset)
            # The defaults live with the daemon and its back-off; here only what IT overrides.
            daemon = SyncDaemon(core, client, args.batch_size or DEFAULT_BATCH)
            if args.max_backoff is not None:
                daemon.backoff.cap_s = args.max_backoff
            signal.signal(signal.SIGTERM, lambda *_: daemon.stop.set())
            if not args.once:
                daemon.run_forever()
                return EXIT_OK
            report = daemon.deliver()
            daemon.deliver_audit()
            daemon.heartbeat()
    except AlreadyRunning as exc:
        print(tr("sync.already_running", path=exc), file=sys.stderr)
        return EXIT_RUNNING
    print(
        tr(
            "sync.once_done",
            sent=report.sent,
            stored=report.stored,
            duplicate=report.duplicate,
            refused=report.refused,
        )
    )
    if report.error is not None:
        print(tr("sync.once_failed", error=report.error), file=sys.stderr)
        return EXIT_PENDING
    return EXIT_OK


def _wait_for_enrolment(data_dir):
    """Poll for enrolment.json until it appears (or SIGTERM, which gives None)."""
    import threading

    from kiosk.enrolment import load_enrolment

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.wait(ENROLMENT_POLL_S):
        try:
            enrolment = load_enrolment(data_dir)
        except Exception:  # half-written or broken: the next look may find it whole
            continue
        if enrolment is not None:
            return enrolment
    return None


def _log_to_stderr() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("kiosk").addHandler(handler)


def _status(core: KioskCore, tr: Translator, as_json: bool) -> int:
    """What the queue holds and how sending went: the IT area's figures, in full."""
    status, state = core.it.sync_status(), core.enrolment_state()
    oldest = status.oldest_pending.isoformat() + "Z" if status.oldest_pending else None
    if as_json:
        report = {
            "enrolled": state.enrolled,
            "sealed": state.sealed,
            "pending": status.pending,
            "delivered": status.delivered,
            "rejected": status.rejected,
            "set_aside": status.rejected,  # the same answers: refused, kept, `requeue` sends again
            "set_aside_reasons": status.set_aside_reasons,
            "oldest_pending": oldest,
            "last_success": status.last_success or None,
            "last_error": status.last_error or None,
            "clock_offset_s": status.clock_offset_s,
            "rejected_answers": [{"uuid": u, "reason": r} for u, r in status.rejected_answers],
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return EXIT_OK
    none = tr("sync.none")
    print(state.words(tr))
    print(
        tr(
            "sync.status_depth",
            pending=status.pending,
            delivered=status.delivered,
            rejected=status.rejected,
        )
    )
    print(tr("sync.status_oldest", when=oldest or none))
    print(tr("sync.status_success", when=status.last_success or none))
    print(tr("sync.status_error", error=status.last_error or none))
    if status.rejected:
        reasons = "; ".join(f"{kind} ({count})" for kind, count in status.set_aside_reasons.items())
        print(tr("sync.status_set_aside", count=status.rejected, reasons=reasons))
    for uuid, reason in status.rejected_answers:
        print(f"  {uuid}  {reason}")
    return EXIT_OK
