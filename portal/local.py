"""The set-up of scripts/local-portal, in one process: `python -m portal.local`.

In this order, each step stopping with a message that names it: the port is checked (a
local portal still running stops everything before anything is touched), the portal's
database created (once, before anything else uses it), its keypair made (the private key
in DATA_DIR/local-portal-private.key, mode 0600, for re-verification), and the kiosk
enrolled when it is not yet (or was, with an earlier local portal); an enrolment with
another portal (a real one) is left alone. The enrolment is written straight to
DATA_DIR/enrolment.json: the device secret is in that one file only.

Every start after the first finds all of it done. That is seen with the standard
library's sqlite3 and the contract's enrolment reader, without importing SQLAlchemy (a third
of a second): the kiosk, which starts after this, starts that much sooner. Whatever that
look does not find as expected is left to the full set-up.
"""

from __future__ import annotations

import argparse
import socket
import sqlite3
import sys
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from contract.enrolment import EnrolmentInvalid, find_enrolment, write_enrolment

if TYPE_CHECKING:  # SQLAlchemy is imported only when there is something to set up
    from sqlalchemy import Engine

REPORTED = 3  # the exit status of a failure already explained on stderr
KEY_FILE = "local-portal-private.key"


class SetupFailed(Exception):
    pass


@contextmanager
def step(what: str):
    """A failure within is "could not <what>: <the error>"."""
    try:
        yield
    except SetupFailed:
        raise
    except Exception as exc:
        raise SetupFailed(f"could not {what}: {type(exc).__name__}: {exc}") from exc


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:  # as uvicorn binds: a port in TIME_WAIT is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def sqlite_path(db: str) -> Path | None:
    """The file of a sqlite:/// URL (None for any other database)."""
    prefix = "sqlite:///"
    return Path(db[len(prefix) :]) if db.startswith(prefix) and db != prefix else None


def already_set_up(data_dir: Path, db: str, portal_url: str) -> bool:
    """True when the database has a key and the kiosk is enrolled with this portal, as an
    active device, with that key: nothing to do.

    Tables a newer version adds are not looked for: `serve`, the first to use the database
    then, creates them as it starts (portal.db.create_schema), and the sync daemon starts
    only once it answers.
    """
    path = sqlite_path(db)
    if path is None or not path.is_file():
        return False
    try:
        mine = find_enrolment(data_dir)
        if mine is None or mine.portal_url.rstrip("/") != portal_url.rstrip("/"):
            return False
        with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as con:
            query = "SELECT value FROM settings WHERE key = 'public_key'"
            key = (con.execute(query).fetchone() or ("",))[0]
            query = "SELECT 1 FROM devices WHERE id = ? AND revoked_at IS NULL"
            active = con.execute(query, (mine.device_id,)).fetchone() is not None
    except (EnrolmentInvalid, OSError, sqlite3.Error):
        return False
    return bool(key) and key == mine.public_key and active


def set_up(data_dir: Path, db: str, portal_url: str, port: int) -> None:
    """Do what is not done yet; raise SetupFailed naming the step that failed."""
    if not port_is_free(port):
        raise SetupFailed(
            f"port {port} is in use (another local portal still running? "
            "PORTAL_PORT=… picks another)"
        )
    if already_set_up(data_dir, db, portal_url):
        return
    with step(f"create its database {db}"):
        from portal.store.engine import make_portal_engine  # SQLAlchemy: the docstring's third

        data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_portal_engine(db)
    try:
        _set_up(engine, data_dir, db, portal_url)
    finally:
        engine.dispose()


def _set_up(engine: Engine, data_dir: Path, db: str, portal_url: str) -> None:
    # SQLAlchemy and PyNaCl: only when there is something to set up (see the docstring).
    from portal.devices import add_counters, add_device, new_keypair
    from portal.store.devices import list_devices
    from portal.store.settings import public_key

    with step(f"read its database {db}"):
        key = public_key(engine)
    if not key:  # a key file without its database (deleted) is put aside
        with step("make its keypair"):
            private = data_dir / KEY_FILE
            if private.exists():
                stamp = datetime.now().strftime("%Y%m%d%H%M%S")
                private.rename(private.with_name(f"{KEY_FILE}.old-{stamp}"))
            key = new_keypair(engine, private)
    with step(f"read the kiosk's enrolment in {data_dir}"):
        try:
            mine = find_enrolment(data_dir)
        except EnrolmentInvalid:
            mine = None  # broken: enrol again
        active = {device.id for device in list_devices(engine) if device.revoked_at is None}
    if mine is not None and mine.portal_url.rstrip("/") != portal_url.rstrip("/"):
        print(
            f"local portal: this kiosk sends to {mine.portal_url}, not to {portal_url}",
            file=sys.stderr,
        )
        return
    if mine is None or mine.public_key != key or mine.device_id not in active:
        with step("add the kiosk as a device"):
            from kiosk.config import load_config  # ~0.1 s (PyYAML…): only to enrol anew

            config = load_config()
            counter = config.counter or config.counters[0].code
            enrolment = add_device(engine, config.unit_code, counter, portal_url)
            # Officers sign in at any of the unit's counters: the portal must know them all.
            add_counters(engine, config.unit_code, [c.code for c in config.counters])
        with step(f"enrol the kiosk in {data_dir}"):
            write_enrolment(enrolment, data_dir)


def main(argv: list[str] | None = None) -> int:
    summary = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m portal.local", description=summary)
    parser.add_argument("--data-dir", type=Path, required=True, help="the kiosk's data directory")
    parser.add_argument("--db", default=None, help="default: sqlite:///DATA_DIR/local-portal.db")
    parser.add_argument("--port", type=int, default=8470)
    args = parser.parse_args(argv)
    db = args.db or f"sqlite:///{args.data_dir / 'local-portal.db'}"
    try:
        set_up(args.data_dir, db, f"http://127.0.0.1:{args.port}", args.port)
    except SetupFailed as exc:
        print(f"local portal: {exc}", file=sys.stderr)
        return REPORTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
