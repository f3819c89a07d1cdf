"""Bringing a kiosk's SQLite file to the current schema with Alembic, from code.

Alembic is imported only when the file is not at SCHEMA_HEAD already: at every start
of the kiosk the check is one SELECT, and Alembic's import (~130 ms on a tablet-class
CPU) is paid only on the start that upgrades. tests/test_store.py keeps SCHEMA_HEAD equal
to the newest migration.

An upgrade never risks an answer: the file is copied first (SQLite's online backup, next
to it as kiosk.db.backup-<from revision>-<time>), migrated, then checked (revision,
integrity_check, foreign keys, the same answers and outbox states as before). Any
failure puts the copy back and raises UpgradeFailed, which the kiosk shows to IT on its
out-of-service screen. The kiosk and the sync daemon may start together: a file lock
lets one of them upgrade while the other waits.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from kiosk.resources import MIGRATIONS

if TYPE_CHECKING:  # Alembic itself is imported only for an upgrade (see above)
    from alembic.config import Config as AlembicConfig

SCHEMA_HEAD = "0005"


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            query = text("SELECT version_num FROM alembic_version")
            return connection.execute(query).scalar() or ""
    except OperationalError:  # no alembic_version table: a new file
        return ""


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = _alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def downgrade(engine: Engine, revision: str) -> None:
    """Take the file back to an earlier revision: a store as an older release left it (the
    tests write answers with today's code, then make the file an older tablet's)."""
    from alembic import command

    config = _alembic_config()
    with engine.connect() as connection:
        # Dropping a column copies the table; SQLite's way is with foreign keys off (outside
        # a transaction, so on the driver's connection, before SQLAlchemy begins one).
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys=OFF")
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()
        driver.execute("PRAGMA foreign_keys=ON")


KEEP_BACKUPS = 3


class UpgradeFailed(Exception):
    """The file could not be brought to SCHEMA_HEAD; it is as it was before the attempt."""

    def __init__(self, error: str, backup: Path | None):
        super().__init__(error)
        self.error, self.backup = error, backup

    def describe(self, translate: Callable[..., str]) -> str:
        """The one wording of a failed upgrade, for the kiosk's screen and every command."""
        if self.backup is None:
            return translate("oos.upgrade_no_backup", error=self.error)
        return translate("oos.upgrade", error=self.error, backup=self.backup)


def ensure_schema(engine: Engine, path: Path | None = None) -> Path | None:
    """Upgrade the file at `path` to the newest schema unless it is there already.

    Returns the backup made before upgrading (None when nothing had to be kept).
    """
    if current_revision(engine) == SCHEMA_HEAD:
        return None
    with _upgrade_lock(path):
        current = current_revision(engine)  # the other process may have done it meanwhile
        if current == SCHEMA_HEAD:
            return None
        if not current or path is None:  # a new file: nothing to keep
            upgrade(engine)
            return None
        return _upgrade_keeping_a_copy(engine, path, current)


def _upgrade_keeping_a_copy(engine: Engine, path: Path, current: str) -> Path:
    try:
        backup = _backup(path, current)
    except (OSError, sqlite3.Error) as exc:  # no room for a copy: do not upgrade without one
        raise UpgradeFailed(f"no backup could be made: {exc}", None) from exc
    before = _census(engine)
    try:
        upgrade(engine)
        problem = _check(engine, before)
    except Exception as exc:
        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    if problem:
        engine.dispose()
        _restore(backup, path)
        raise UpgradeFailed(problem, backup)
    return backup


@contextmanager
def _upgrade_lock(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    with open(path.with_name(path.name + ".upgrade-lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _backups(path: Path) -> list[Path]:
    """The backups beside the store (not a -wal or -shm an old version left beside one)."""
    found = path.parent.glob(f"{path.name}.backup-*")
    return [p for p in found if not p.name.endswith(("-wal", "-shm", "-journal"))]


def _backup(path: Path, revision: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.backup-{revision}-{stamp}")
    source = sqlite3.connect(path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # consistent even with a WAL and a reader at work
        # A copy kept aside is one file: opened later (to look, to restore) it grows no
        # -wal/-shm companions, which a count or a clean-up of backups would take for one.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()
    for old in sorted(_backups(path))[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)
    return target


def _census(engine: Engine) -> list[tuple[Any, ...]]:
    """What must survive an upgrade: every answer's uuid with its outbox state."""
    with engine.connect() as connection:
        query = text(
            "SELECT r.uuid, o.state, o.attempts FROM responses r"
            " LEFT JOIN outbox o ON o.response_id = r.id ORDER BY r.id"
        )
        return [tuple(row) for row in connection.execute(query)]


def _check(engine: Engine, before: list[tuple[Any, ...]]) -> str:
    """'' when the upgraded file is whole and holds what it held; else what is wrong."""
    revision = current_revision(engine)
    if revision != SCHEMA_HEAD:
        return f"schema at {revision or 'nothing'}, not {SCHEMA_HEAD}"
    with engine.connect() as connection:
        integrity = connection.execute(text("PRAGMA integrity_check")).scalar()
        orphans = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
    if integrity != "ok" or orphans:
        return f"integrity check: {integrity}, {len(orphans)} broken references"
    if _census(engine) != before:
        return "answers or their outbox states differ after the upgrade"
    return ""


def _restore(backup: Path, path: Path) -> None:
    """Put the copy back: the WAL and shared memory of the failed attempt go first."""
    for extra in ("-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
    temporary = path.with_name(path.name + ".restoring")
    shutil.copyfile(backup, temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)
