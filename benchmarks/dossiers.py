"""The dossiers benchmark (issue 16): the reports benchmark's province (benchmarks/report_store.py)
given a dossier for every answer that names one, imported as a clerk imports them, then the
reports read against them.

    python -m benchmarks.dossiers [--answers 1000000] [--db both|sqlite|postgresql]
                                  [--runs 3] [--unit DN-001] [--keep]

For each database: the answers' dossier codes are written as the one-stop software's CSV
exports (200,000 rows a file, the import's limit: a province's year in a few files), each
imported by `python -m portal dossiers import` as a process (its wall time and peak memory),
then the province's year and one unit's year are reported (build_report, now with the
dossier section) and a tablet's lookup is made (find_dossier). Every dossier was returned on
the day its answer was given, within its appointment for 70% of them and late by 1 to 6 days
for the others, so no answer's flags change and the kept database stays as the other
benchmarks know it: unless --keep, the dossiers are deleted at the end.
Writes tmp/bench-reports/dossiers-N.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import time
import zlib
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete, func, select

from benchmarks.report_store import DEFAULT_CACHE, ROOT, KeptPostgres, database_name, ready
from portal.dossiers.importer import MAX_DOSSIERS
from portal.store.engine import make_portal_engine
from portal.store.models import Answer, Dossier

FIELDS = ("Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Kinh doanh", "Lao động", "Cư trú")
LOCAL = timedelta(hours=7)
YEAR = 2026
HEADINGS = (
    "Mã hồ sơ",
    "Mã đơn vị",
    "Tên thủ tục",
    "Lĩnh vực",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày trả kết quả",
)


def _say(text: str) -> None:
    print(text, flush=True)


def write_exports(engine: Engine, folder: Path) -> tuple[list[Path], int]:
    """The coded answers' dossiers as CSV files of at most MAX_DOSSIERS rows."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("hoso-*.csv"):
        old.unlink()
    query = select(Answer.unit_code, Answer.dossier_code, Answer.finished_at).where(
        Answer.dossier_code.is_not(None)
    )
    rng, rows, out, writer = random.Random(16), 0, None, None
    files: list[Path] = []
    with engine.connect() as connection:
        for unit, code, finished in connection.execution_options(yield_per=10_000).execute(query):
            if rows % MAX_DOSSIERS == 0:
                if out is not None:
                    out.close()
                files.append(folder / f"hoso-{len(files) + 1}.csv")
                out = files[-1].open("w", encoding="utf-8", newline="")
                writer = csv.writer(out)
                writer.writerow(HEADINGS)
            assert writer is not None
            returned = finished + LOCAL - timedelta(hours=1)  # the day it was rated, local
            late = rng.random() < 0.3
            promised = returned.date() - timedelta(days=rng.randint(1, 6) if late else -2)
            received = promised - timedelta(days=rng.randint(3, 15))
            field = FIELDS[zlib.crc32(str(code).encode()) % len(FIELDS)]
            writer.writerow([code, unit, f"Thủ tục {field.lower()}", field,
                             f"{received:%d/%m/%Y} 08:00", f"{promised:%d/%m/%Y}",
                             f"{returned:%d/%m/%Y %H:%M}"])  # fmt: skip
            rows += 1
    if out is not None:
        out.close()
    return files, rows


def import_file(url: str, path: Path) -> dict:
    """`portal dossiers import` as a process: its seconds and peak memory."""
    command = [sys.executable, "-m", "portal", "--db", url, "dossiers", "import", str(path)]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    said = (child.stdout.read() + child.stderr.read()).decode()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"import refused: {said}")
    return {"file": path.name, "seconds": seconds, "peak_mib": usage.ru_maxrss / 1024, "said": said}


def time_reports(engine: Engine, unit: str, runs: int) -> dict:
    from portal.reports import build_report
    from portal.reports.request import ReportRequest

    start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)
    province = ReportRequest(
        form_id="danang-2223", start=start, end=end, period_label=str(YEAR), today=end
    )
    cases = {"province-year": province, "unit-year": replace(province, units=(unit,))}
    timed: dict[str, dict] = {}
    for label, request in cases.items():
        seconds, report = [], {}
        for _ in range(runs):
            started = time.perf_counter()
            report = build_report(engine, request)
            seconds.append(time.perf_counter() - started)
        section = report.get("dossiers") or {}
        timed[label] = {
            "median_s": statistics.median(seconds),
            "max_s": max(seconds),
            "matched": section.get("matched"),
            "checks_ok": report["checks"]["ok"],
        }
    return timed


def time_lookup(engine: Engine, unit: str) -> float:
    from portal.store.dossiers import find_dossier

    with engine.connect() as connection:
        codes = list(
            connection.execute(
                select(Dossier.code).where(Dossier.unit_code == unit).limit(200)
            ).scalars()
        )
    started = time.perf_counter()
    for code in codes:
        find_dossier(engine, unit, code, datetime(YEAR, 12, 31))
    return (time.perf_counter() - started) / max(1, len(codes))


def _one(label: str, url: str, args: argparse.Namespace) -> dict:
    _say(f"{label}: {args.answers:,} answers …")
    ready(url, args.answers, False, _say)
    engine = make_portal_engine(url)
    try:
        with engine.begin() as connection:  # a run cut short left some
            connection.execute(delete(Dossier))
        flagged_before = _dossier_flags(engine)
        files, rows = write_exports(engine, args.cache.resolve() / "dossiers")
        _say(f"  {rows:,} dossiers in {len(files)} files; importing …")
        imports = [import_file(url, path) for path in files]
        for done in imports:
            _say(f"  {done['file']}: {done['seconds']:.1f} s, peak {done['peak_mib']:.0f} MiB")
        reports = time_reports(engine, args.unit, args.runs)
        lookup_s = time_lookup(engine, args.unit)
        flagged_after = _dossier_flags(engine)
        if not args.keep:
            with engine.begin() as connection:
                connection.execute(delete(Dossier))
    finally:
        engine.dispose()
    return {
        "database": label, "answers": args.answers, "dossiers": rows, "imports": imports,
        "reports": reports, "lookup_s": lookup_s,
        "dossier_flags": {"before": flagged_before, "after": flagged_after},
    }  # fmt: skip


def _dossier_flags(engine: Engine) -> int:
    query = select(func.count()).where(Answer.flags.like("%dossier_%"))
    with engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)


def table(results: list[dict]) -> str:
    lines = []
    for result in results:
        seconds = sum(i["seconds"] for i in result["imports"])
        peak = max(i["peak_mib"] for i in result["imports"])
        rate = result["dossiers"] / seconds if seconds else 0
        lines.append(
            f"{result['database']}: import {result['dossiers']:,} dossiers {seconds:.1f} s "
            f"({rate:,.0f}/s), peak {peak:.0f} MiB; lookup {result['lookup_s'] * 1000:.2f} ms"
        )
        for label, timed in result["reports"].items():
            checks = "ok" if timed["checks_ok"] else "FAIL"
            lines.append(
                f"  {label}: median {timed['median_s']:.3f} s, max {timed['max_s']:.3f} s, "
                f"{timed['matched']:,} answers matched, checks {checks}"
            )
        flags = result["dossier_flags"]
        lines.append(
            f"  answers with a dossier flag: {flags['before']} before, {flags['after']} after"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dossiers")
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--unit", default="DN-001")
    parser.add_argument("--keep", action="store_true", help="leave the dossiers in the database")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    cache: Path = args.cache.resolve()
    (cache / "sqlite").mkdir(parents=True, exist_ok=True)
    results = []
    if args.db in ("both", "sqlite"):
        path = cache / "sqlite" / f"{database_name(args.answers)}.db"
        results.append(_one("SQLite", f"sqlite:///{path}", args))
    if args.db in ("both", "postgresql"):
        server = KeptPostgres(cache / "pg")
        server.start()
        try:
            url = server.database(database_name(args.answers), fresh=False)
            results.append(_one("PostgreSQL", url, args))
        finally:
            server.stop()
    _say("\n" + table(results))
    out = cache / f"dossiers-{args.answers}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    _say(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
