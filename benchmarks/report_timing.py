"""The timed part of the reports benchmark, run in a process of its own per database so
that its peak memory is the reports', not the fill's.

`python -m benchmarks.report_timing URL --runs 5 --unit DN-001` prints one JSON line:
per case (the province's year, one unit's month, `portal stats`) each run's seconds, the
resident memory before and at its peak (VmHWM, reset before each case), the Python heap's
peak (tracemalloc, in one more run not timed), and the statements that took longest, with
PostgreSQL's EXPLAIN (ANALYZE, BUFFERS) or SQLite's EXPLAIN QUERY PLAN of the slowest.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from portal.store.engine import make_portal_engine

YEAR, MONTH = 2026, 11
FORM = "danang-2223"
SLOW_S = 0.1  # a statement explained in the results when it takes longer (or is the slowest)


def _status(field: str) -> float:
    """A line of /proc/self/status in MiB (VmRSS: now, VmHWM: the peak since the last reset)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM back to VmRSS
        return True
    except OSError:
        return False


def cases(unit: str) -> dict[str, Callable[[Engine], object]]:
    """The two reports timed: the province's year (every unit) and one unit's month."""
    from portal.reports import build_report
    from portal.reports.request import ReportRequest

    year = ReportRequest(
        form_id=FORM, start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), period_label=str(YEAR),
        today=date(YEAR, 12, 31),
    )  # fmt: skip
    month = ReportRequest(
        form_id=FORM, units=(unit,), start=date(YEAR, MONTH, 1), end=date(YEAR, MONTH, 30),
        period_label=f"{YEAR}-{MONTH}", today=date(YEAR, MONTH, 30),
    )  # fmt: skip
    return {
        "province-year": lambda engine: build_report(engine, year),
        "unit-month": lambda engine: build_report(engine, month),
    }


@contextmanager
def recorded(engine: Engine, into: list[tuple[float, str, Any]]):  # type: ignore[no-untyped-def]
    """Each statement run meanwhile, with its parameters and seconds, into `into`."""

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        into.append((time.perf_counter() - conn.info["bench_started"], statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def explain(engine: Engine, statement: str, parameters: Any) -> str:
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if engine.dialect.name == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join(" | ".join(str(v) for v in row) for row in rows)


def time_case(engine: Engine, run: Callable[[Engine], object], runs: int, limit_s: float) -> dict:
    _reset_peak()
    rss_before = _status("VmRSS")
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        run(engine)
        seconds.append(time.perf_counter() - started)
        if seconds[-1] > limit_s:  # portal stats at 1M today: once is enough
            break
    peak = _status("VmHWM")
    statements: list[tuple[float, str, Any]] = []
    tracemalloc.start()
    with recorded(engine, statements):
        run(engine)
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    statements.sort(key=lambda s: s[0], reverse=True)
    slow = ([s for s in statements if s[0] > SLOW_S] or statements[:1])[:3]
    repeated = _repeated(statements)
    if repeated:  # the costliest statement run many times: its first run's plan
        sql = repeated[0]["sql"]
        slow.append(next(s for s in statements if " ".join(s[1].split()) == sql))
    return {
        "runs_s": [round(s, 4) for s in seconds],
        "median_s": round(statistics.median(seconds), 4),
        "max_s": round(max(seconds), 4),
        "rss_before_mib": round(rss_before, 1),
        "peak_rss_mib": round(peak, 1),
        "heap_peak_mib": round(heap_peak, 2),
        "statements": len(statements),
        "repeated": repeated,
        "slowest": [
            {"seconds": round(s, 4), "sql": " ".join(sql.split())[:2000]}
            for s, sql, _ in statements[:5]
        ],
        "explain": [
            {
                "seconds": round(s, 4),
                "sql": " ".join(sql.split()),
                "plan": explain(engine, sql, params),
            }
            for s, sql, params in slow
        ],
    }


def _repeated(statements: list[tuple[float, str, Any]]) -> list[dict]:
    """Statements run more than once in a report (one per unit, say), by total time."""
    by_sql: dict[str, list[float]] = {}
    for seconds, sql, _ in statements:
        by_sql.setdefault(" ".join(sql.split()), []).append(seconds)
    many = [(sum(t), len(t), sql) for sql, t in by_sql.items() if len(t) > 1]
    return [
        {"times": n, "total_s": round(total, 4), "sql": sql}
        for total, n, sql in sorted(many, reverse=True)[:5]
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report_timing")
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--unit", default="DN-001")
    parser.add_argument(
        "--stats-limit", type=float, default=20.0, help="no more runs after one this slow"
    )
    args = parser.parse_args(argv)
    engine = make_portal_engine(args.url)
    from portal.reports import collect

    results: dict[str, object] = {"unit": args.unit}
    for name, run in cases(args.unit).items():
        results[name] = time_case(engine, run, args.runs, args.stats_limit)
    results["portal stats"] = time_case(engine, collect, args.runs, limit_s=args.stats_limit)
    engine.dispose()
    print(json.dumps(results, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
