"""The reports benchmark (issue 14, "Scale"): a province's two years of answers on the
portal, and how long its reports take on PostgreSQL and on SQLite.

    python -m benchmarks.reports [--answers 1000000] [--db both|sqlite|postgresql]
                                 [--runs 5] [--cache DIR] [--refill]

Fills a portal database with N answers (1,000,000 by default) across 300 units and 24
months (benchmarks/report_data.py), once: the databases are kept under the cache folder
(tmp/bench-reports/, which git ignores) keyed by N and the content version, so a second
run only times. Then, in a process of its own per database (benchmarks/report_timing.py),
times a province-year report (every unit, 2026, the quick form), a unit-month report (one
unit, 2026-11), each `--runs` times, and `portal stats`; with the peak memory of each.
Prints a table and writes everything, EXPLAIN output included, to
tmp/bench-reports/reports-N.json. Goal (issue 14): under 1 s each on PostgreSQL, memory
flat (the same at 100k and 1M).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.report_store import DEFAULT_CACHE, ROOT, Filled, KeptPostgres, database_name, ready

CASES = ("province-year", "unit-month", "portal stats")
GOAL_S = 1.0


def _say(text: str) -> None:
    print(text, flush=True)


def _timed(filled: Filled, runs: int, unit: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.report_timing", filled.url, "--runs", str(runs),
         "--unit", unit],
        cwd=ROOT, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def _one(label: str, url: str, args: argparse.Namespace) -> dict:
    _say(f"{label}: {args.answers:,} answers …")
    started = time.perf_counter()
    filled = ready(url, args.answers, args.refill, _say)
    how = "filled now" if filled.filled_now else "kept from an earlier run"
    _say(
        f"{label}: {filled.answers:,} answers, {filled.choices:,} choice rows, "
        f"{filled.texts:,} texts, {filled.size_bytes / 2**20:,.0f} MiB; "
        f"fill {filled.fill_seconds:,.0f} s "
        f"({how}, ready in {time.perf_counter() - started:,.0f} s)"
    )
    timed = _timed(filled, args.runs, args.unit)
    return {
        "database": label,
        "answers": filled.answers,
        "answer_choices": filled.choices,
        "answer_texts": filled.texts,
        "size_mib": round(filled.size_bytes / 2**20, 1),
        "fill_s": filled.fill_seconds,
    } | timed


def table(results: list[dict]) -> str:
    lines = [
        f"{'database':11} {'case':14} {'median s':>9} {'max s':>8} {'runs':>4} "
        f"{'RSS before':>10} {'peak RSS':>9} {'heap peak':>9} {'statements':>10}"
    ]
    for result in results:
        for case in CASES:
            figures, name = result[case], result["database"]
            lines.append(
                f"{name:11} {case:14} {figures['median_s']:9.3f} {figures['max_s']:8.3f} "
                f"{len(figures['runs_s']):4} {figures['rss_before_mib']:8.1f}Mi "
                f"{figures['peak_rss_mib']:7.1f}Mi {figures['heap_peak_mib']:7.2f}Mi "
                f"{figures['statements']:10}"
            )
    return "\n".join(lines)


def _slow_plans(results: list[dict]) -> None:
    """PostgreSQL's plans of the slowest statements of a report over the goal."""
    for result in results:
        for case in CASES[:2]:
            figures = result[case]
            if result["database"] == "PostgreSQL" and figures["median_s"] > GOAL_S:
                _say(f"\n{result['database']} {case}: {figures['median_s']:.2f} s > {GOAL_S} s")
                for item in figures["explain"]:
                    _say(f"-- {item['seconds']:.3f} s: {item['sql'][:300]}\n{item['plan']}\n")


def _write(cache: Path, answers: int, results: list[dict]) -> Path:
    out = cache / f"reports-{answers}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reports")
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--runs", type=int, default=5, help="runs of each report")
    parser.add_argument("--unit", default="DN-001", help="the unit-month report's unit")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--refill", action="store_true", help="fill again even if kept")
    args = parser.parse_args(argv)
    cache: Path = args.cache.resolve()
    (cache / "sqlite").mkdir(parents=True, exist_ok=True)
    results = []
    if args.db in ("both", "sqlite"):
        path = cache / "sqlite" / f"{database_name(args.answers)}.db"
        for stale in (cache / "sqlite").glob(f"answers_{args.answers}_v*"):
            if not stale.name.startswith(path.name):  # the same N filled for older tables
                stale.unlink()
        results.append(_one("SQLite", f"sqlite:///{path}", args))
        _write(cache, args.answers, results)  # what is measured is kept if the next fails
    if args.db in ("both", "postgresql"):
        server = KeptPostgres(cache / "pg")
        server.start()
        try:
            url = server.database(database_name(args.answers), fresh=args.refill)
            results.append(_one("PostgreSQL", url, args))
        finally:
            server.stop()
    _say(f"\nportal.reports.build_report over {args.answers:,} answers (unit-month: {args.unit})")
    _say(table(results))
    _slow_plans(results)
    _say(f"\nwritten: {_write(cache, args.answers, results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
