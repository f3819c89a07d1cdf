"""The kiosk's benchmarks, as measured on this machine; targets from issues 2, 3 and 4.

- cold start to the first frame of the welcome screen, as a ratio to a bare Kivy app
  started the same way (target at most 1.3);
- peak memory (max RSS) above that bare app (target at most 40 MiB);
- CPU while idle on the welcome screen for 30 s (target under 1% of one core);
- tap to the next screen's first frame, and the commit of an answer;
- sync throughput (benchmarks/sync_bench.py) and QR decoding per frame (scan_bench.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests import conftest

ROOT = Path(__file__).resolve().parent.parent


def _spawn(which: str, data_dir: Path, stay: float = 0.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.child", which, str(data_dir), "--stay", str(stay)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _line(child: subprocess.Popen[str]) -> str:
    """The child's next line on stdout (READY, STORE: what it reached, and when)."""
    assert child.stdout is not None  # _spawn pipes it
    return child.stdout.readline()


def _run_once(which: str, data_dir: Path) -> tuple[float, float, float]:
    """(seconds to the first frame, to the store being open, peak RSS in MiB) of a start."""
    child = _spawn(which, data_dir)
    ready = float(_line(child).split()[1])
    store = float(_line(child).split()[1]) if which == "kiosk" else ready
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return ready, store, usage.ru_maxrss / 1024


def startup(runs: int, scratch: Path) -> None:
    # The first start of a kiosk makes its database (Alembic runs); every later start, the
    # one a counter sees each morning, finds it at the schema head. Both are reported.
    first = _run_once("kiosk", scratch / "kiosk")
    _run_once("hello", scratch / "hello")
    results: dict[str, list[tuple[float, float, float]]] = {"hello": [], "kiosk": []}
    for _ in range(runs):
        for which in ("hello", "kiosk"):
            results[which].append(_run_once(which, scratch / which))
    hello_t = statistics.median(r[0] for r in results["hello"])
    kiosk_t = statistics.median(r[0] for r in results["kiosk"])
    store_t = statistics.median(r[1] for r in results["kiosk"])
    hello_m = max(r[2] for r in results["hello"])
    kiosk_m = max(r[2] for r in results["kiosk"])
    hello_best = min(r[0] for r in results["hello"])
    kiosk_best = min(r[0] for r in results["kiosk"])
    print(
        f"cold start   bare Kivy {hello_t:.3f} s  kiosk {kiosk_t:.3f} s  "
        f"ratio {kiosk_t / hello_t:.2f} (target <= 1.3; median of {runs}); best of "
        f"{runs}: {hello_best:.3f} s / {kiosk_best:.3f} s = {kiosk_best / hello_best:.2f}"
    )
    print(
        f"store open   {store_t:.3f} s after start, all screens built (first start ever, "
        f"with migrations: {first[1]:.3f} s, peak {first[2]:.1f} MiB)"
    )
    print(
        f"peak memory  bare Kivy {hello_m:.1f} MiB  kiosk {kiosk_m:.1f} MiB  "
        f"above {kiosk_m - hello_m:.1f} MiB (target <= 40)"
    )


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(seconds: float, scratch: Path) -> None:
    child = _spawn("kiosk", scratch / "idle", stay=seconds + 10)
    _line(child)
    time.sleep(2)  # let start-up work settle
    before, t0 = _cpu_seconds(child.pid), time.monotonic()
    time.sleep(seconds)
    used, elapsed = _cpu_seconds(child.pid) - before, time.monotonic() - t0
    child.kill()
    child.wait()
    print(
        f"idle CPU     {100 * used / elapsed:.2f}% of one core over {elapsed:.0f} s "
        f"on the welcome screen (target < 1%)"
    )


def tap_and_commit(rounds: int, scratch: Path) -> None:
    conftest.start_display()
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from kiosk.core import KioskCore
    from kiosk.ui.kioskapp import KioskApp
    from tests.pilot import PACE_S, Pilot

    core = KioskCore.load(None, scratch / "taps")
    app = KioskApp(core, [])
    app._run_prepare()
    pilot = Pilot(app)
    pilot.frames(6)
    while not (app.prebuilt and core.store_ready):  # as a counter is a second after start
        pilot.frames(1)
    flips: list[float] = []
    Window.bind(on_flip=lambda *_: flips.append(time.perf_counter()))

    def timed_tap(widget) -> float:
        pilot.settle()
        pilot.wait(PACE_S)  # a person reads the screen first: the tap guard takes the tap
        x, y = widget.to_window(*widget.center)
        before = app.sm.current
        flips.clear()
        start = time.perf_counter()
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        while app.sm.current == before or not flips:
            Window.canvas.ask_update()
            EventLoop.idle()
        return flips[-1] - start

    kinds: dict[str, list[float]] = {}
    for _ in range(rounds):
        for kind, widget in (
            ("welcome → identification", lambda: app.screen("welcome").ids.start),
            ("identification → verdict", lambda: app.screen("identification").ids.next),
            ("verdict → comment", lambda: pilot.find("Hài lòng")),
            ("comment → thanks (commit)", lambda: app.screen("text").ids.next),
        ):
            if kind.startswith("identification"):
                pilot.keys("0912345678079199123456")
            kinds.setdefault(kind, []).append(timed_tap(widget()))
        pilot.tap(app.screen("thanks").ids.home)
    taps = sorted(t for times in kinds.values() for t in times)
    print(
        f"tap → frame  median {1000 * statistics.median(taps):.1f} ms  "
        f"p95 {1000 * taps[int(len(taps) * 0.95)]:.1f} ms over {len(taps)} taps "
        f"(Xvfb + llvmpipe software GL)"
    )
    for kind, times in kinds.items():
        print(
            f"             {kind:27} median {1000 * statistics.median(times):.1f} ms  "
            f"max {1000 * max(times):.1f} ms"
        )

    import random

    from kiosk.demo import fill_survey

    rng = random.Random(1)
    commits = []
    for _ in range(200):
        survey = core.new_survey()
        fill_survey(survey, rng)
        answer = survey.finish()
        start = time.perf_counter()
        core.save(answer)
        commits.append(time.perf_counter() - start)
    commits.sort()
    print(
        f"commit       median {1000 * statistics.median(commits):.2f} ms  "
        f"p95 {1000 * commits[190]:.2f} ms over 200 answers (WAL, synchronous=FULL)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--runs", type=int, default=7, help="cold starts of each app")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=10, help="surveys for tap timings")
    parser.add_argument(
        "--only",
        choices=("kiosk", "sync", "scan", "reports", "dashboard", "dossiers"),
        default=None,
    )
    args, rest = parser.parse_known_args()
    if args.only == "dashboard":  # the reports benchmark's databases: asked for by name only
        from benchmarks import dashboard

        return dashboard.main(rest)
    if args.only == "dossiers":  # the same databases, given a dossier per coded answer
        from benchmarks import dossiers

        return dossiers.main(rest)
    if args.only == "reports":  # minutes of filling and GBs of disk: asked for by name only
        from benchmarks import reports

        return reports.main(rest)
    if args.only in (None, "scan"):
        from benchmarks import scan_bench

        scan_bench.main()
        if args.only == "scan":
            return 0
    if args.only != "kiosk":
        from benchmarks import sync_bench

        sync_bench.main()
        if args.only == "sync":
            return 0
    conftest.start_xvfb()
    scratch = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    try:
        startup(args.runs, scratch)
        idle_cpu(args.idle_seconds, scratch)
        tap_and_commit(args.rounds, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        # Kivy's window dies with Xvfb and takes the process with it: what is printed goes
        # out first, also when piped (block-buffered).
        sys.stdout.flush()
        conftest.stop_display()
    return 0


if __name__ == "__main__":
    sys.exit(main())
