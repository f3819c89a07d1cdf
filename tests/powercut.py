"""A power cut at a random instant, in the spirit of SQLite's crash tests.

The kiosk's store writes answers on a small ext4 file system on a loop device. At a
random instant the writer is frozen (SIGSTOP) and the loop device's backing file is
copied: the copy holds what had reached the "disk" at that instant, without what was
still in the file system's page cache, as a power cut leaves it. The copy is then
mounted (ext4 replays its journal), SQLite opens the database (and replays its WAL),
and every answer the kiosk had thanked the citizen for must be there.

    python -m tests.powercut [--runs N] [--synchronous FULL|NORMAL|OFF] [--seed S]

Needs root (losetup, mount). The writer is `python -m tests.powercut writer DATA_DIR
SYNCHRONOUS`: it answers surveys through the real flow and store, and prints "THANKED
<uuid>" the moment each save returns, which is when the kiosk shows its thank-you.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE_MIB = 48


@dataclass(frozen=True)
class Outcome:
    """One run: answers thanked before the cut, and what the disk kept of them."""

    thanked: int
    lost: tuple[str, ...]
    integrity: str

    @property
    def ok(self) -> bool:
        return not self.lost and self.integrity == "ok"


def can_run() -> bool:
    tools = ("losetup", "mkfs.ext4", "mount", "umount")
    return os.geteuid() == 0 and all(shutil.which(t) for t in tools)


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


@contextmanager
def mounted(image: Path, where: Path) -> Iterator[Path]:
    """The image's file system mounted at `where` through a loop device."""
    device = _run("losetup", "--find", "--show", str(image))
    try:
        where.mkdir(parents=True, exist_ok=True)
        _run("mount", device, str(where))
        try:
            yield where
        finally:
            _run("umount", str(where))
    finally:
        _run("losetup", "--detach", device)


def run_once(workdir: Path, synchronous: str, rng: random.Random) -> Outcome:
    workdir.mkdir(parents=True, exist_ok=True)
    image, copy = workdir / "disk.img", workdir / "cut.img"
    try:
        with image.open("wb") as handle:
            handle.truncate(IMAGE_MIB << 20)
        _run("mkfs.ext4", "-q", "-F", str(image))
        with mounted(image, workdir / "live") as live:
            thanked = _write_until_cut(live / "data", synchronous, rng, image, copy)
        with mounted(copy, workdir / "after") as after:
            return _check(after / "data" / "kiosk.db", thanked)
    finally:
        image.unlink(missing_ok=True)
        copy.unlink(missing_ok=True)


def _write_until_cut(
    data_dir: Path, synchronous: str, rng: random.Random, image: Path, copy: Path
) -> list[str]:
    errors = image.parent / "writer.err"  # beside the image, not on the disk being cut
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.powercut", "writer", str(data_dir), synchronous],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=errors.open("w"),
        text=True,
    )
    assert writer.stdout is not None  # piped above
    try:
        if writer.stdout.readline().strip() != "WRITING":
            writer.kill()
            writer.wait()
            raise RuntimeError(f"the writer did not start: {errors.read_text()[-2000:]}")
        time.sleep(rng.uniform(0.2, 1.5))
        writer.send_signal(signal.SIGSTOP)  # the instant of the cut
        shutil.copyfile(image, copy)
        writer.kill()
        lines = writer.stdout.read().splitlines()
    finally:
        writer.kill()
        writer.wait()
    # Only what was printed before the stop: a line the kernel still held counts too,
    # since printing follows the save.
    return [line.split()[1] for line in lines if line.startswith("THANKED ")]


def _check(db: Path, thanked: list[str]) -> Outcome:
    if not db.exists():
        return Outcome(len(thanked), tuple(thanked), "no database")
    connection = sqlite3.connect(db)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        kept = {row[0] for row in connection.execute("SELECT uuid FROM responses")}
    finally:
        connection.close()
    return Outcome(len(thanked), tuple(u for u in thanked if u not in kept), integrity)


def writer(data_dir: Path, synchronous: str) -> int:
    """Answer surveys as fast as the store takes them, saying each 'thank you'."""
    import yaml
    from sqlalchemy import event

    from kiosk.core import KioskCore
    from kiosk.demo import fill_survey

    data_dir.mkdir(parents=True, exist_ok=True)
    # Integrity flags make no difference here; opening hours 'always' keeps them quiet.
    settings = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    settings["integrity"]["opening_hours"] = "always"
    config = data_dir.parent / "config.yaml"
    config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    core = KioskCore.open(config, data_dir)
    if synchronous != "FULL":  # only to show that the harness sees a weaker setting fail

        @event.listens_for(core.engine, "connect")
        def _weaker(dbapi_connection, _record) -> None:
            dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")

        core.engine.dispose()
    rng = random.Random(0)
    print("WRITING", flush=True)
    while True:
        survey = core.new_survey()
        fill_survey(survey, rng)
        answer = survey.finish()
        core.save(answer)
        print("THANKED", answer.uuid, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["writer"]:
        return writer(Path(args[1]), args[2])
    parser = argparse.ArgumentParser(prog="python -m tests.powercut")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL", "OFF"])
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(args)
    if not can_run():
        print("needs root, losetup, mkfs.ext4 and mount", file=sys.stderr)
        return 2
    rng = random.Random(options.seed)
    thanked = lost = broken = 0
    for run in range(options.runs):
        with tempfile.TemporaryDirectory(prefix="powercut-") as scratch:
            outcome = run_once(Path(scratch), options.synchronous, rng)
        thanked, lost = thanked + outcome.thanked, lost + len(outcome.lost)
        broken += outcome.integrity != "ok"
        print(
            f"run {run + 1:3}: thanked {outcome.thanked:5}, lost {len(outcome.lost):4}, "
            f"integrity {outcome.integrity}",
            flush=True,
        )
    print(
        f"synchronous={options.synchronous}: {options.runs} cuts, {thanked} answers thanked, "
        f"{lost} lost, {broken} databases damaged"
    )
    return 0 if lost == broken == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
