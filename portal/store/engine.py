"""The portal's one engine factory: SQLite (WAL) for a pilot, PostgreSQL by URL for a city."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Insert, create_engine, event, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.store.models import Base
from portal.store.schema import create_schema

DEFAULT_DB = "sqlite:///portal.db"


def make_portal_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""  # "sqlite://": in memory
        if path and path != ":memory:":
            _create_private(Path(path.split("?", 1)[0]))
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: object) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    else:
        engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    create_schema(engine)
    return engine


def _create_private(path: Path) -> None:
    """Create the database file 0600 (device secrets, answers) when it is new: SQLite gives
    its -wal and -shm files the main file's mode. An existing file keeps the mode it has."""
    if path.exists():
        # Opening and closing a database file drops every POSIX lock this process holds
        # on it, SQLite's included: never touch a file another engine here may be using.
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT, 0o600))


def ping(engine: Engine) -> None:
    """One round trip to the database: it answers, or this raises."""
    with engine.connect() as connection:
        connection.execute(select(1))


def dialect_insert(engine: Engine) -> Callable[[type[Base]], Any]:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite or PostgreSQL)."""
    return (postgresql if engine.dialect.name == "postgresql" else sqlite).insert


def insert_ignoring_duplicates(engine: Engine, model: type[Base], rows: list[dict]) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING for the engine's dialect (SQLite or PostgreSQL)."""
    return dialect_insert(engine)(model).values(rows).on_conflict_do_nothing()
