"""The dashboard benchmark (issue 15): every page's time with the reports benchmark's
province stored (300 units, 24 months; benchmarks/report_store.py fills it once and keeps it).

    python -m benchmarks.dashboard [--answers 1000000] [--db both|sqlite|postgresql]
                                   [--runs 5] [--unit DN-001] [--cache DIR]

For each database: the real portal is started as a process (`portal serve`) on loopback,
a province account signs in through the sign-in form, and each page is asked `--runs`
times after a first request. The portal is given `--warm-up` seconds after it answers
(portal/dashboard/warm.py counts the province's overview and public page ahead, as it does
from every start); then the first request of each page is its time as a visitor finds it,
and the later ones show what the pages keep for a minute (both printed; the goal is about
the first). Time is measured
around the request on loopback (the server's time plus well under a millisecond). Goal:
under 300 ms per page (issue 15). Writes tmp/bench-reports/dashboard-N.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

from benchmarks.report_store import DEFAULT_CACHE, ROOT, KeptPostgres, database_name, ready
from portal.dashboard.accounts import AccountError, add_user
from portal.store.engine import make_portal_engine
from tests.portal_support import free_port

GOAL_S = 0.3
NAME, PASSWORD = "bench-tinh", "bench-mat-khau-dai"


def pages(unit: str) -> list[tuple[str, str]]:
    return [
        ("overview", "/quan-tri/ket-qua"),
        ("unit, this year", f"/quan-tri/don-vi/{unit}"),
        ("unit, one month", f"/quan-tri/don-vi/{unit}?period=2026-11"),
        ("integrity", "/quan-tri/toan-ven"),
        ("devices", "/quan-tri/thiet-bi"),
        ("alerts", "/quan-tri/canh-bao"),
        ("re-verification", "/quan-tri/phuc-tra"),
        ("public, province", "/cong-khai"),
        ("public, unit", f"/cong-khai/{unit}"),
    ]


def _say(text: str) -> None:
    print(text, flush=True)


def _serve(url: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "portal", "serve", "--db", url, "--port", str(port)]
    with log.open("wb") as output:  # the child keeps its own descriptor
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/api/v1/health", timeout=1).status_code == 200:
                return process, base
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the portal did not start")


def _time_pages(base: str, unit: str, runs: int) -> list[dict]:
    session = requests.Session()
    signed = session.post(
        base + "/quan-tri/dang-nhap", data={"name": NAME, "password": PASSWORD, "next": ""},
        allow_redirects=False, timeout=60,
    )  # fmt: skip
    if signed.status_code != 303:
        raise RuntimeError(f"sign-in refused: {signed.status_code}")
    timed = []
    for label, path in pages(unit):
        seconds, status = [], 0
        for _ in range(runs + 1):
            started = time.perf_counter()
            reply = session.get(base + path, timeout=600)
            seconds.append(time.perf_counter() - started)
            status = reply.status_code
        later = seconds[1:]
        timed.append(
            {"page": label, "path": path, "status": status, "first_s": seconds[0],
             "median_s": statistics.median(later), "max_s": max(later)}
        )  # fmt: skip
    return timed


def _one(label: str, url: str, args: argparse.Namespace) -> dict:
    _say(f"{label}: {args.answers:,} answers …")
    filled = ready(url, args.answers, False, _say)
    engine = make_portal_engine(url)
    try:
        add_user(engine, NAME, "province", [], PASSWORD)
    except AccountError:
        pass  # made by an earlier run
    finally:
        engine.dispose()
    process, base = _serve(url, args.cache.resolve() / f"dashboard-portal-{label}.log")
    time.sleep(args.warm_up)
    try:
        timed = _time_pages(base, args.unit, args.runs)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"database": label, "answers": filled.answers, "pages": timed}


def table(results: list[dict]) -> str:
    lines = [
        f"{'database':11} {'page':18} {'status':>6} {'first s':>8} {'median s':>9} {'max s':>7}"
    ]
    for result in results:
        for page in result["pages"]:
            over = "  > goal" if page["first_s"] > GOAL_S else ""
            lines.append(
                f"{result['database']:11} {page['page']:18} {page['status']:6} "
                f"{page['first_s']:8.3f} {page['median_s']:9.3f} {page['max_s']:7.3f}{over}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dashboard")
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--unit", default="DN-001")
    parser.add_argument("--warm-up", type=float, default=30.0, help="seconds after start")
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
    _say(f"\nthe dashboard's pages over {args.answers:,} answers (goal: {GOAL_S} s)")
    _say(table(results))
    out = cache / f"dashboard-{args.answers}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    _say(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
