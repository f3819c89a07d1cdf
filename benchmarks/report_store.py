"""The databases of the reports benchmark, filled once and kept between runs.

Each is made by the portal's engine factory and schema (make_portal_engine, create_schema),
then filled in bulk with benchmarks/report_data.py's rows: SQLite by executemany in
transactions of ~10k answers, PostgreSQL by COPY. A setting row written last says which N
and content version a database holds; a database without it (a fill cut short) or with
another is filled again from scratch.

PostgreSQL is a cluster of its own under the cache folder (initdb once, from Debian's
binaries, as user postgres when run as root, as tests/portal_support.py's throwaway one),
started on a free loopback port for a run and stopped after it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select

from benchmarks.report_data import CONTENT_VERSION, Generator, Stored, make_units
from portal.store.engine import make_portal_engine
from portal.store.models import Answer, AnswerChoice, AnswerText, Base, Counter, Device, Setting
from portal.store.settings import UNIT_NAME, YEARLY_DOSSIERS
from tests.portal_support import PostgresServer, free_port

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = ROOT / "tmp" / "bench-reports"  # git ignores /tmp/
MARK = "bench_reports_fill"
ANSWER_TABLES = ("answers", "answer_choices", "answer_texts")
CHUNK = 10_000
ANSWER_COLUMNS = [column.name for column in Answer.__table__.columns]
CHOICE_COLUMNS = [column.name for column in AnswerChoice.__table__.columns]
TEXT_COLUMNS = [column.name for column in AnswerText.__table__.columns]


@dataclass(frozen=True)
class Filled:
    """A database ready to be timed: its URL, and how its fill went (when it was filled)."""

    url: str
    answers: int
    choices: int
    texts: int
    fill_seconds: float
    filled_now: bool
    size_bytes: int


class KeptPostgres(PostgresServer):
    """PostgreSQL's cluster kept in `root` between runs (the tests' one is thrown away)."""

    def __init__(self, root: Path) -> None:  # no super().__init__: no temporary folder
        import glob

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL is needed: apt-get install postgresql")
        self.bin = Path(found[-1]).parent
        self.root = root
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.port = free_port()

    def start(self) -> None:
        data = self.root / "data"
        self.root.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            shutil.chown(self.root, "postgres", "postgres")
        if not (data / "PG_VERSION").exists():
            shutil.rmtree(data, ignore_errors=True)
            self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(data), "-o", options,
            "-l", str(self.root / "log"), "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:  # keep the cluster: only the server goes
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m",
             "fast", "stop"],
            capture_output=True, timeout=120,
        )  # fmt: skip

    def database(self, name: str, fresh: bool) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if exists and fresh:
                connection.execute(f'DROP DATABASE "{name}"')
            prefix = name.rsplit("_v", 1)[0] + "_v"  # the same N filled for older tables
            for (stale,) in connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                (prefix + "%", name),
            ).fetchall():
                connection.execute(f'DROP DATABASE "{stale}"')
            if not exists or fresh:
                connection.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


def schema_fingerprint() -> str:
    """What the answers' tables hold (columns and types) in the portal's models: a database
    filled for other columns is filled again. Indexes are left out: the portal's migrations
    bring a kept database to them (make_portal_engine), with no new fill."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateTable

    parts, dialect = [], sqlite.dialect()
    for table in (Base.metadata.tables[name] for name in ANSWER_TABLES):
        parts.append(str(CreateTable(table).compile(dialect=dialect)))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:8]


def database_name(answers: int) -> str:
    """By N, the content version and the tables' fingerprint (a new column: a new fill)."""
    return f"answers_{answers}_v{CONTENT_VERSION}_{schema_fingerprint()}"


def ready(url: str, answers: int, refill: bool, progress: Callable[[str], None]) -> Filled:
    """The database at `url` holding `answers` answers of this content version, filled now
    unless it holds them already."""
    engine = make_portal_engine(url)
    try:
        mark = None if refill else _mark(engine)
        if mark and mark.get("answers") == answers and mark.get("version") == CONTENT_VERSION:
            return _filled(url, engine, mark, filled_now=False)
        if engine.dialect.name == "sqlite":  # a fill cut short, or another's: start anew
            engine.dispose()
            _remove_sqlite(Path(str(engine.url.database)))
            engine = make_portal_engine(url)
        mark = fill(engine, answers, progress)
        return _filled(url, engine, mark, filled_now=True)
    finally:
        engine.dispose()


def _remove_sqlite(path: Path) -> None:
    for part in path.parent.glob(path.name + "*"):
        part.unlink()


def _mark(engine: Engine) -> dict | None:
    with engine.connect() as connection:
        value = connection.execute(select(Setting.value).where(Setting.key == MARK)).scalar()
    return json.loads(value) if value else None


def _filled(url: str, engine: Engine, mark: dict, filled_now: bool) -> Filled:
    return Filled(
        url=url,
        answers=mark["answers"],
        choices=mark["choices"],
        texts=mark["texts"],
        fill_seconds=mark["seconds"],
        filled_now=filled_now,
        size_bytes=database_size(engine),
    )


def database_size(engine: Engine) -> int:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            return int(
                connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
                or 0
            )
    path = Path(str(engine.url.database))
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def fill(engine: Engine, answers: int, progress: Callable[[str], None]) -> dict:
    """Fill an empty (or emptied) portal database; the mark written last."""
    started = time.perf_counter()
    _empty(engine)
    _units(engine)
    totals = {"answers": 0, "choices": 0, "texts": 0}
    insert_chunk = _copy_chunk if engine.dialect.name == "postgresql" else _insert_chunk
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":  # the fill only: a cut fill is filled again
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            connection.exec_driver_sql("PRAGMA cache_size=-262144")
            connection.commit()
        for chunk in Generator(answers).chunks(CHUNK):
            with connection.begin():  # its commit is the driver's, COPY's included
                insert_chunk(connection, chunk)
            totals["answers"] += len(chunk.answers)
            totals["choices"] += len(chunk.choices)
            totals["texts"] += len(chunk.texts)
            if totals["answers"] % 100_000 < CHUNK:
                rate = totals["answers"] / (time.perf_counter() - started)
                progress(f"  {totals['answers']:>9,} answers ({rate:,.0f}/s)")
    _after_fill(engine)
    mark = totals | {"version": CONTENT_VERSION, "seconds": round(time.perf_counter() - started, 1)}
    with engine.begin() as connection:
        connection.execute(insert(Setting).values(key=MARK, value=json.dumps(mark)))
    return mark


def _empty(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            tables = "answer_texts, answer_choices, answers, counters, settings, devices"
            connection.exec_driver_sql(f"TRUNCATE {tables} CASCADE")
            return
        for table in (AnswerText, AnswerChoice, Answer, Counter, Device, Setting):
            connection.execute(delete(table))


def _units(engine: Engine) -> None:
    """Each unit's name, yearly dossiers (its target), counters and one tablet per counter."""
    now = datetime(2025, 1, 1)
    units = make_units()
    devices = [
        {
            "id": unit.device(c),
            "secret": "-",
            "unit_code": unit.code,
            "counter": c,
            "created_at": now,
        }
        for unit in units
        for c in unit.counters
    ]
    counters = [
        {"unit_code": d["unit_code"], "code": d["counter"], "created_at": now} for d in devices
    ]
    settings = [{"key": UNIT_NAME + unit.code, "value": unit.name} for unit in units]
    settings += [
        {"key": YEARLY_DOSSIERS + unit.code, "value": str(unit.weight * 400)} for unit in units
    ]
    with engine.begin() as connection:
        connection.execute(insert(Device), devices)
        connection.execute(insert(Counter), counters)
        connection.execute(insert(Setting), settings)


def _insert_chunk(connection, chunk: Stored) -> None:  # type: ignore[no-untyped-def]
    """SQLite: executemany through SQLAlchemy, so values are stored as the portal stores them."""
    connection.execute(insert(Answer), chunk.answers)
    connection.execute(insert(AnswerChoice), chunk.choices)
    if chunk.texts:
        connection.execute(insert(AnswerText), chunk.texts)


def _copy_chunk(connection, chunk: Stored) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: COPY, the payload as the JSON text SQLAlchemy would have sent."""
    cursor = connection.connection.driver_connection.cursor()
    for table, columns, rows, convert in (
        ("answers", ANSWER_COLUMNS, chunk.answers, _json_payload),
        ("answer_choices", CHOICE_COLUMNS, chunk.choices, None),
        ("answer_texts", TEXT_COLUMNS, chunk.texts, None),
    ):
        names = ", ".join(columns)
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                values = convert(row) if convert else row
                copy.write_row([values[name] for name in columns])


def _json_payload(row: dict[str, object]) -> dict[str, object]:
    return row | {"payload": json.dumps(row["payload"])}


def _after_fill(engine: Engine) -> None:
    """What a database that grew over two years has: PostgreSQL's sequence past the ids
    given, and statistics (autovacuum would have analysed the tables long ago)."""
    if engine.dialect.name != "postgresql":
        with engine.connect() as connection:  # the WAL into the database: its size is true
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('answers', 'id'), (SELECT max(id) FROM answers))"
        )
        connection.commit()
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
