"""Sync benchmarks: draining a backlog, bytes per answer, 50 kiosks at once (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.portal_support import PostgresServer, kiosk, start_portal

ROOT = Path(__file__).resolve().parent.parent


def _sync_once(data_dir: Path, *extra: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "sync", "--once", "--data-dir", str(data_dir), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return time.perf_counter() - started, result.stderr


def _bytes_per_answer(log: str) -> float:
    batches = re.findall(r"(\d+) sent, .*?, (\d+) bytes", log)
    sent = sum(int(n) for n, _ in batches)
    return sum(int(b) for _, b in batches) / sent


def _filled(portal, folder: Path, answers: int, seal: bool = False) -> Path:
    portal.enrol(folder)
    if not seal:  # keep no sealed box: the size of an answer from a tablet without a key
        enrolment = json.loads((folder / "enrolment.json").read_text())
        enrolment["public_key"] = ""
        (folder / "enrolment.json").write_text(json.dumps(enrolment))
    made = kiosk(
        "demo-data",
        "--answers",
        str(answers),
        "--seed",
        "2",
        "--data-dir",
        str(folder),
        timeout=1800,
    )
    if made.returncode != 0:
        raise RuntimeError(made.stderr)
    return folder


def drain(scratch: Path, answers: int, single: int) -> None:
    portal = start_portal(f"sqlite:///{scratch / 'drain.db'}")
    try:
        portal.portal("keys", "--private-out", str(scratch / "private.key"))
        batched_dir = _filled(portal, scratch / "batched", answers)
        batched_s, log = _sync_once(batched_dir, "--batch-size", "200")
        single_dir = _filled(portal, scratch / "single", single)
        single_s, _ = _sync_once(single_dir, "--batch-size", "1")
        sealed_dir = _filled(portal, scratch / "sealed", 1000, seal=True)
        _, sealed_log = _sync_once(sealed_dir, "--batch-size", "200")
    finally:
        portal.stop()
    batched_rate, single_rate = answers / batched_s, single / single_s
    print(
        f"drain        {answers} answers in {batched_s:.1f} s ({batched_rate:.0f}/s, batches "
        f"of 200) vs one POST per answer {single_rate:.0f}/s ({single} answers): "
        f"{batched_rate / single_rate:.0f}x (goal >= 20x)"
    )
    print(
        f"wire         {_bytes_per_answer(log):.0f} bytes per answer gzip'd without personal "
        f"data sealed, {_bytes_per_answer(sealed_log):.0f} with the sealed box (goal < 150)"
    )


def fifty_kiosks(scratch: Path, per_kiosk: int, db: str, label: str) -> None:
    portal = start_portal(db)
    try:
        folders = [_filled(portal, scratch / f"{label}-{i}", per_kiosk) for i in range(50)]
        started = time.perf_counter()
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "sync", "--once", "--data-dir", str(folder)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for folder in folders
        ]
        codes = [child.wait(timeout=3600) for child in children]
        elapsed = time.perf_counter() - started
        stored = sum(
            json.loads(portal.portal("stats", "--json").stdout)["units"][0][k] for k in ("stored",)
        )
    finally:
        portal.stop()
    print(
        f"intake       50 kiosks × {per_kiosk} answers at once on {label}: {elapsed:.1f} s, "
        f"{stored / elapsed:.0f} answers/s stored, exit codes {sorted(set(codes))} "
        f"(includes 50 Python start-ups on 2 cores)"
    )


def main(answers: int = 10_000, single: int = 1_000, per_kiosk: int = 200) -> None:
    scratch = Path(__import__("tempfile").mkdtemp(prefix="kiosk-sync-bench-"))
    postgres = PostgresServer()
    try:
        drain(scratch, answers, single)
        fifty_kiosks(scratch, per_kiosk, f"sqlite:///{scratch / 'fifty.db'}", "SQLite")
        postgres.start()
        fifty_kiosks(scratch, per_kiosk, postgres.new_database("fifty"), "PostgreSQL")
    finally:
        postgres.stop()
        shutil.rmtree(scratch, ignore_errors=True)
