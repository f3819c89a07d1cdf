"""Bringing the portal's database to the current schema: create_all for what is missing,
Alembic (portal/store/migrations) for what changed in a table that exists.

A new database is made by create_all and stamped at the newest revision. One made before
the portal had migrations (no alembic_version table, but answers) is stamped at the
baseline 0001 and upgraded. Alembic is imported only when the revision is not the
newest already: a command's start pays one SELECT.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from portal.store import dashboard_tables  # noqa: F401  (its tables in Base.metadata)
from portal.store.models import Base

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

SCHEMA_HEAD = "0006"  # tests/test_portal_schema.py keeps it the newest migration's
BASELINE = "0001"  # the schema create_all made before migrations
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_KEY = 0x4B484C  # "KHL": the portal's advisory lock while it makes or migrates tables


def create_schema(engine: Engine, attempts: int = 5) -> None:
    """Make the tables that are missing and migrate the ones that changed, safe against a
    concurrent creator.

    create_all looks, then creates: two processes starting on one new database (the
    server and `device add`, say) can both see a table missing and one of them then fails
    with "table … already exists". Such a failure means someone else made the table, so
    look again; only a failure that persists is raised.
    """
    for attempt in range(attempts):
        try:
            _bring_to_head(engine)
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def current_revision(engine: Engine) -> str:
    """The database's Alembic revision; "" when it has none (new, or made before 0001)."""
    if not inspect(engine).has_table("alembic_version"):
        return ""
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""


def _bring_to_head(engine: Engine) -> None:
    if current_revision(engine) == SCHEMA_HEAD:
        Base.metadata.create_all(engine)  # a table a later version added without a migration
        return
    with _schema_lock(engine):  # one process migrates; the others find it done
        revision = current_revision(engine)
        made_before = not revision and inspect(engine).has_table("answers")
        Base.metadata.create_all(engine)
        if made_before:
            _run(engine, "stamp", BASELINE)
            _run(engine, "upgrade", "head")
        elif revision:
            _run(engine, "upgrade", "head")
        else:
            _run(engine, "stamp", "head")  # create_all made the newest tables


@contextmanager
def _schema_lock(engine: Engine) -> Iterator[None]:
    """Hold the database's schema lock: PostgreSQL's advisory lock, flock on a lock file.
    Without it, a process starting while another makes a new database would take the new
    tables for ones made before migrations, and migrate them again."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # one process's own database
        return
    # A file of its own beside the -wal and -shm files, never the database file itself:
    # closing any descriptor of a database file drops every POSIX lock this process holds
    # on it, SQLite's own included, and another process may then reset the WAL under the
    # pooled connections (tried: a portal lost every answer it had just acknowledged).
    descriptor = os.open(f"{database}-schema-lock", os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "r+") as lock:  # 0600, as the database and its -wal
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _alembic_config(connection: Connection) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _run(engine: Engine, verb: str, revision: str) -> None:
    from alembic import command

    with engine.connect() as connection:
        getattr(command, verb)(_alembic_config(connection), revision)
        connection.commit()


def head_revision() -> str:
    """The newest migration's revision, as Alembic reads the scripts."""
    from alembic.script import ScriptDirectory

    with_no_connection = ScriptDirectory(str(MIGRATIONS))
    return with_no_connection.get_current_head() or ""
