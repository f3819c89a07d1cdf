"""A newcomer's first five minutes (issue 10): run-kiosk's local portal starts every time
on a fresh data directory and leaves nothing running, set-up happens once, the demo is
complete (sealed, counted) and every tool says the same about the enrolment."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, inspect

from tests.conftest import ROOT
from tests.portal_support import free_port, kiosk, run, start_portal

LOCAL_PORTAL = str(ROOT / "scripts" / "local-portal")


def _running_with(text: str) -> list[str]:
    """Command lines of live processes that mention `text` (a test's own data dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = next(
                line
                for line in (entry / "status").read_text().splitlines()
                if line.startswith("State:")
            )
        except (OSError, StopIteration):
            continue
        if text in cmdline and "zombie" not in state:
            found.append(cmdline)
    return found


def _local_portal(data_dir: Path, port: int, *command: str, timeout: float = 180):
    env = {**os.environ, "PORTAL_PORT": str(port), "KIOSK_PYTHON": sys.executable}
    return subprocess.run(
        [LOCAL_PORTAL, str(data_dir), "--", *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


# --- 1. the portal's schema is made once, safely --------------------------------------
def test_a_concurrent_creator_of_the_portal_schema_is_no_failure(tmp_path):
    """Someone else creates a table between create_all's look and its CREATE (as the
    background `portal serve` did while `device add` started): no "already exists"."""
    from portal.store.engine import make_portal_engine
    from portal.store.models import Base

    url = f"sqlite:///{tmp_path / 'portal.db'}"
    table = Base.metadata.sorted_tables[0]
    raced = []

    def someone_else_first(target, connection, **_kw):
        if not raced:
            raced.append(target.name)
            other = create_engine(url)
            target.create(other)
            other.dispose()

    event.listen(table, "before_create", someone_else_first)
    try:
        engine = make_portal_engine(url)
    finally:
        event.remove(table, "before_create", someone_else_first)
    assert raced == [table.name]
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


@pytest.mark.slow
def test_portal_processes_starting_at_once_on_a_new_database_all_succeed(tmp_path):
    for attempt in range(3):
        db = f"sqlite:///{tmp_path / f'portal-{attempt}.db'}"
        commands = [
            ["init-db"],
            ["init-db"],
            ["device", "add", "--unit", "U", "--counter", "Q1"],
            ["stats"],
        ]
        started = [
            subprocess.Popen(
                [sys.executable, "-m", "portal", "--db", db, *c],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for c in commands
        ]
        for process in started:
            _out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err


# --- 1 and 3. the local portal around the kiosk ---------------------------------------
CHECK = """
import json, sys, time, urllib.request
from pathlib import Path
data, url = Path(sys.argv[1]), sys.argv[2]
deadline = time.monotonic() + 60
while True:  # the command starts beside the portal, not after it
    try:
        health = json.load(urllib.request.urlopen(url + "/api/v1/health", timeout=5))
        break
    except OSError:
        assert time.monotonic() < deadline, "the portal never answered"
        time.sleep(0.1)
(data / "seen.json").write_text(json.dumps({"health": health}))
"""


@pytest.mark.slow
def test_local_portal_starts_on_fresh_data_dirs_every_time_and_leaves_nothing(tmp_path):
    for attempt in range(3):
        data = tmp_path / f"fresh-{attempt}"
        port = free_port()
        result = _local_portal(
            data, port, sys.executable, "-c", CHECK, str(data), f"http://127.0.0.1:{port}"
        )
        assert result.returncode == 0, result.stderr
        assert json.loads((data / "seen.json").read_text())["health"]
        assert f"http://127.0.0.1:{port}" in result.stdout
        assert "already exists" not in (data / "local-portal.log").read_text()
        assert _running_with(str(data)) == []
        # The demo enrolment carries the local portal's key: personal data is sealed.
        enrolment = json.loads((data / "enrolment.json").read_text())
        assert enrolment["public_key"]
        assert oct((data / "local-portal-private.key").stat().st_mode & 0o777) == "0o600"
        assert not (data / "local-enrolment.json").exists()  # the secret is in one file only


@pytest.mark.slow
def test_local_portal_again_on_the_same_data_dir_keeps_its_enrolment(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    assert _local_portal(data, port, "true").returncode == 0
    first = json.loads((data / "enrolment.json").read_text())
    again = _local_portal(data, port, "true")
    assert again.returncode == 0, again.stderr
    assert json.loads((data / "enrolment.json").read_text()) == first
    # Officers sign in at any of the shipped counters: the local portal knows them all.
    from portal.store.devices import unit_counters

    engine = create_engine(f"sqlite:///{data / 'local-portal.db'}")
    assert unit_counters(engine)["DNG-HC"] == ["Q1", "Q2"]
    engine.dispose()


@pytest.mark.slow
def test_a_failing_command_stops_the_portal_and_the_daemon(tmp_path):
    data = tmp_path / "data"
    result = _local_portal(
        data, free_port(), sys.executable, "-c", "raise SystemExit(7)", str(data)
    )
    assert result.returncode == 7
    assert _running_with(str(data)) == []


@pytest.mark.slow
def test_a_taken_port_fails_loudly_before_anything_runs(tmp_path):
    data = tmp_path / "data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _local_portal(
            data,
            port,
            sys.executable,
            "-c",
            "open(__import__('sys').argv[1], 'w')",
            str(data / "ran"),
        )
    assert result.returncode == 1
    assert f"port {port} is in use" in result.stderr
    assert not (data / "ran").exists()
    assert _running_with(str(data)) == []


@pytest.mark.slow
def test_stopping_the_script_stops_everything_at_once(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "PORTAL_PORT": str(free_port()), "KIOSK_PYTHON": sys.executable}
    command = [
        LOCAL_PORTAL,
        str(data),
        "--",
        sys.executable,
        "-c",
        "import time; time.sleep(120)",
        str(data),
    ]
    script = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert script.stdout.readline().startswith("Local portal:")
        assert len(_running_with(str(data))) >= 3  # the portal, the daemon, the command
        started = time.monotonic()
        script.send_signal(signal.SIGTERM)
        script.wait(timeout=60)
        assert time.monotonic() - started < 30
    finally:
        if script.poll() is None:
            script.kill()
    assert script.returncode == 143
    assert _running_with(str(data)) == []


# The kiosk starts at once: set-up in one Python process, then the kiosk beside the portal.
# KIOSK_PYTHON: the real Python, except that the portal's server waits until the file
# $GO exists (the command makes it), or fails at once when $GO is "fail".
SLOW_PORTAL = """#!/bin/sh
case " $* " in
  *" serve "*)
    if [ "$GO" = fail ]; then echo "boom: this portal cannot start" >&2; exit 1; fi
    exec "$REAL" -c 'import os, sys, time
while not os.path.exists(sys.argv[1]):
    time.sleep(0.02)
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])' "$GO" "$@" ;;
esac
exec "$REAL" "$@"
"""

# The command: what it finds when it starts, then the portal answering and the sync
# daemon started.
FIRST_LOOK = """
import json, os, socket, sys, time, urllib.request
from pathlib import Path
data, port, go = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
seen = {"enrolment": json.loads((data / "enrolment.json").read_text())["device_id"]}
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    seen["answering"] = True
except OSError:
    seen["answering"] = False
go.touch()
deadline = time.monotonic() + 60
while "health" not in seen:
    try:
        url = f"http://127.0.0.1:{port}/api/v1/health"
        seen["health"] = json.load(urllib.request.urlopen(url, timeout=5))
    except OSError:
        assert time.monotonic() < deadline, "the portal never answered"
        time.sleep(0.1)
daemon = f"-m sync --data-dir {data}"
while "daemon" not in seen:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if daemon in cmdline.read_bytes().replace(b"\\0", b" ").decode():
                seen["daemon"] = True
        except OSError:
            pass
    assert time.monotonic() < deadline, "the sync daemon never started"
    time.sleep(0.1)
(data / "seen.json").write_text(json.dumps(seen))
"""


def _slow_portal_python(tmp_path: Path) -> dict[str, str]:
    wrapper = tmp_path / "python"
    wrapper.write_text(SLOW_PORTAL)
    wrapper.chmod(0o755)
    return {"KIOSK_PYTHON": str(wrapper), "REAL": sys.executable}


@pytest.mark.slow
def test_the_command_starts_enrolled_before_the_portal_answers_and_nothing_is_left(tmp_path):
    data, port, go = tmp_path / "data", free_port(), tmp_path / "go"
    env = {**os.environ, **_slow_portal_python(tmp_path), "PORTAL_PORT": str(port), "GO": str(go)}
    result = subprocess.run(
        [
            LOCAL_PORTAL,
            str(data),
            "--",
            sys.executable,
            "-c",
            FIRST_LOOK,
            str(data),
            str(port),
            str(go),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads((data / "seen.json").read_text())
    device = json.loads((data / "enrolment.json").read_text())["device_id"]
    # Enrolled before it started; the portal not yet answering; then it did, and the sync
    # daemon started.
    assert seen == {
        "enrolment": device,
        "answering": False,
        "health": seen["health"],
        "daemon": True,
    }
    assert seen["health"]
    assert "local portal:" not in result.stderr
    assert _running_with(str(data)) == []


@pytest.mark.slow
def test_a_portal_that_does_not_start_is_said_loudly_while_the_command_runs_on(tmp_path):
    data, port = tmp_path / "data", free_port()
    env = {**os.environ, **_slow_portal_python(tmp_path), "PORTAL_PORT": str(port), "GO": "fail"}
    said = tmp_path / "stderr"
    # The command waits until the script has said so, then ends well.
    command = (
        "import pathlib, sys, time\n"
        "said, ran = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])\n"
        "deadline = time.monotonic() + 60\n"
        "while 'stopped before it answered' not in said.read_text():\n"
        "    assert time.monotonic() < deadline\n"
        "    time.sleep(0.05)\n"
        "ran.write_text('ran on')\n"
    )
    script = [
        LOCAL_PORTAL,
        str(data),
        "--",
        sys.executable,
        "-c",
        command,
        str(said),
        str(data / "ran"),
    ]
    with said.open("w") as stderr:
        result = subprocess.run(
            script, stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ROOT, env=env, timeout=180
        )
    text = said.read_text()
    assert result.returncode == 0, text
    assert (data / "ran").read_text() == "ran on"
    assert "local portal: the portal stopped before it answered" in text
    assert "boom: this portal cannot start" in text  # the end of its log
    assert _running_with(str(data)) == []


@pytest.mark.slow
def test_a_failing_set_up_step_is_named_and_nothing_runs(tmp_path):
    data = tmp_path / "data"
    (data / "local-portal.db").mkdir(parents=True)  # no database can be made there
    result = _local_portal(
        data,
        free_port(),
        sys.executable,
        "-c",
        "open(__import__('sys').argv[1], 'w')",
        str(data / "ran"),
    )
    assert result.returncode == 1
    assert "local portal: could not create its database sqlite:///" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (data / "ran").exists()
    assert _running_with(str(data)) == []


@pytest.mark.slow
def test_the_set_up_looks_without_sqlalchemy_once_done_and_redoes_what_is_missing(tmp_path):
    from portal.local import already_set_up

    data, port = tmp_path / "data", free_port()
    db, url = f"sqlite:///{data / 'local-portal.db'}", f"http://127.0.0.1:{port}"

    def set_up(*extra: str) -> subprocess.CompletedProcess:
        done = run(
            "-X",
            "importtime",
            "-m",
            "portal.local",
            "--data-dir",
            str(data),
            "--port",
            str(port),
            *extra,
        )
        assert done.returncode == 0, done.stderr
        return done

    assert "sqlalchemy" in set_up().stderr
    first = json.loads((data / "enrolment.json").read_text())
    assert already_set_up(data, db, url)
    assert "sqlalchemy" not in set_up().stderr  # the second start: a look at two files
    assert json.loads((data / "enrolment.json").read_text()) == first
    # The device revoked (the database kept): enrolled again, with the same key.
    assert run("-m", "portal", "--db", db, "device", "revoke", first["device_id"]).returncode == 0
    assert not already_set_up(data, db, url)
    set_up()
    again = json.loads((data / "enrolment.json").read_text())
    assert again["device_id"] != first["device_id"]
    assert again["public_key"] == first["public_key"]
    # The database gone: made again, a new key, the old key file put aside.
    for path in data.glob("local-portal.db*"):
        path.unlink()
    set_up()
    anew = json.loads((data / "enrolment.json").read_text())
    assert anew["public_key"] not in ("", first["public_key"])
    assert len(list(data.glob("local-portal-private.key.old-*"))) == 1
    assert already_set_up(data, db, url)


def test_the_set_up_leaves_an_enrolment_with_another_portal_alone(tmp_path):
    data = _enrolled_data_dir(tmp_path, with_key=True)
    before = (data / "enrolment.json").read_text()
    done = run("-m", "portal.local", "--data-dir", str(data), "--port", str(free_port()))
    assert done.returncode == 0, done.stderr
    assert "this kiosk sends to http://127.0.0.1:9" in done.stderr
    assert (data / "enrolment.json").read_text() == before


# --- 2. set up once -----------------------------------------------------------------
def test_system_packages_has_a_run_time_set_within_the_test_set():
    def listed(which: str) -> str:
        text = (ROOT / "scripts" / "system-packages.sh").read_text()
        line = next(
            x
            for x in text.splitlines()
            if x.startswith(f"{which}=") or x.strip().startswith(f"{which})")
        )
        return line

    assert {"libmtdev1", "libgl1", "libzbar0"} <= set(
        listed("run").split("(")[1].split(")")[0].split()
    )
    result = subprocess.run(
        ["bash", "scripts/system-packages.sh", "run", "--missing"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "system-packages.sh run" in (ROOT / "scripts" / "run-kiosk").read_text()


def test_run_kiosk_hands_the_users_data_dir_to_the_local_portal_and_the_kiosk(tmp_path):
    """A copy of run-kiosk with set-up steps that do nothing and a local-portal that says
    what it was given: the data directory is the kiosk's own (kiosk.core), for both."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "run-kiosk", project / "scripts")
    (project / "scripts" / "system-packages.sh").write_text("exit 0\n")
    (project / "scripts" / "venv.sh").write_text("exit 0\n")
    fakes = {
        "scripts/local-portal": 'printf "%s\\n" "$@"',
        ".venv/bin/python": f'exec {sys.executable} "$@"',
    }
    for name, body in fakes.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(f"#!/bin/sh\n{body}\n")
        (project / name).chmod(0o755)
    for xdg in (str(tmp_path / "xdg"), ""):
        env = {**os.environ, "DISPLAY": ":0", "XDG_DATA_HOME": xdg, "HOME": str(tmp_path)}
        done = subprocess.run(
            [str(project / "scripts" / "run-kiosk"), "--size", "800x600"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        resolve = "from kiosk.core import resolve_data_dir; print(resolve_data_dir(None, None))"
        kiosks = subprocess.run(
            [sys.executable, "-c", resolve],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=60,
        ).stdout.strip()
        assert kiosks.startswith(xdg or str(tmp_path / ".local" / "share"))
        assert done.stdout.splitlines() == [
            kiosks,
            "--",
            ".venv/bin/python",
            "-m",
            "kiosk",
            "run",
            "--windowed",
            "--data-dir",
            kiosks,
            "--size",
            "800x600",
        ]


def test_venv_set_up_installs_once_and_again_when_pyproject_changes(tmp_path):
    """A copy of the project with a fake pip in a fake environment: the first call
    installs, the second does not, a changed pyproject.toml installs again."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    (project / "scripts" / "venv.sh").write_text((ROOT / "scripts" / "venv.sh").read_text())
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    calls = tmp_path / "calls"
    fake = bin_dir / "python"
    fake.write_text(
        f'#!/bin/sh\nif [ "$1" = -VV ]; then echo "Python 3"; exit 0; fi\necho "$*" >>{calls}\n'
    )
    fake.chmod(0o755)

    def setup(*extras: str) -> int:
        done = subprocess.run(
            ["bash", str(project / "scripts" / "venv.sh"), *extras],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return len(calls.read_text().splitlines()) if calls.exists() else 0

    assert setup("portal") == 2  # pip upgraded, the project installed
    assert setup("portal") == 2  # nothing more
    assert setup() == 2  # the base is in what the portal extras installed
    assert setup("test") == 4  # the test extras are more
    assert setup("portal") == 4  # and include the portal's
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '2'\n")
    assert setup("portal") == 6


# --- 6. only `kiosk run` says the kiosk started ----------------------------------------
def test_commands_do_not_log_that_the_kiosk_started(tmp_path):
    data = tmp_path / "data"
    made = kiosk("demo-data", "--answers", "2", "--seed", "1", "--data-dir", str(data))
    assert made.returncode == 0, made.stderr
    assert kiosk("export", "--data-dir", str(data)).returncode == 0
    assert run("-m", "sync", "status", "--data-dir", str(data)).returncode == 0
    text = (data / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert "started" not in text


# --- 3. one decision on the enrolment, the same words everywhere -----------------------
def _enrolled_data_dir(tmp_path: Path, with_key: bool) -> Path:
    db = f"sqlite:///{tmp_path / 'portal.db'}"
    portal = ("-m", "portal", "--db", db)
    if with_key:
        assert run(*portal, "keys", "--private-out", str(tmp_path / "private.key")).returncode == 0
    made = tmp_path / "made.json"
    added = run(
        *portal,
        "device",
        "add",
        "--unit",
        "DNG-HC",
        "--counter",
        "Q1",
        "--portal-url",
        "http://127.0.0.1:9",
        "--out",
        str(made),
    )
    assert added.returncode == 0, added.stderr
    data = tmp_path / "data"
    assert kiosk("enrol", str(made), "--data-dir", str(data)).returncode == 0
    return data


def _every_tool_says(data: Path) -> set[str]:
    """What sync status, check-config and the IT area (KioskStatus) say of the enrolment,
    and what kiosk run logs."""
    from kiosk.core import KioskCore, log
    from kiosk.locale import Translator

    synced = run("-m", "sync", "status", "--data-dir", str(data)).stdout.splitlines()[0]
    checked = kiosk("check-config", "--data-dir", str(data)).stdout.splitlines()[1]
    core = KioskCore.load(None, data)
    core.announce_start = True
    try:
        it_area = core.it.status().enrolment.words(Translator("vi"))
    finally:
        core.engine.dispose()
        for handler in list(log.handlers):
            if str(data) in getattr(handler, "baseFilename", ""):
                log.removeHandler(handler)
                handler.close()
    started = (data / "logs" / "kiosk.log").read_text(encoding="utf-8")
    state = core.enrolment_state()
    assert f"enrolled={state.enrolled} sealed={state.sealed}" in started
    return {synced, checked, it_area}


@pytest.mark.slow
def test_every_tool_says_the_same_of_a_sealing_enrolment(tmp_path):
    data = _enrolled_data_dir(tmp_path, with_key=True)
    said = _every_tool_says(data)
    assert said == {
        "Máy đã đăng ký với cổng dữ liệu http://127.0.0.1:9; dữ liệu cá nhân được "
        "mã hóa bằng khóa công khai của cổng"
    }
    status = json.loads(run("-m", "sync", "status", "--json", "--data-dir", str(data)).stdout)
    assert (status["enrolled"], status["sealed"]) == (True, True)
    # Demo answers on such a tablet keep the personal data, sealed.
    made = kiosk("demo-data", "--answers", "4", "--seed", "3", "--data-dir", str(data))
    assert made.returncode == 0, made.stderr
    engine = create_engine(f"sqlite:///{data / 'kiosk.db'}")
    with engine.connect() as connection:
        query = "SELECT personal_sealed FROM responses"
        sealed = connection.exec_driver_sql(query).scalars().all()
    engine.dispose()
    assert len(sealed) == 4 and all(sealed)


def test_an_enrolment_without_the_portals_key_is_enrolled_everywhere(tmp_path):
    data = _enrolled_data_dir(tmp_path, with_key=False)
    said = _every_tool_says(data)
    assert said == {
        "Máy đã đăng ký với cổng dữ liệu http://127.0.0.1:9; không "
        "lưu dữ liệu cá nhân (chỉ lưu mã băm số căn cước trong ngày)"
    }


def test_a_tablet_never_enrolled_is_not_enrolled_everywhere(tmp_path):
    said = _every_tool_says(tmp_path / "data")
    assert said == {
        "Máy chưa đăng ký với cổng dữ liệu, dữ liệu chỉ lưu trên máy; không lưu dữ "
        "liệu cá nhân (chỉ lưu mã băm số căn cước trong ngày)"
    }


# --- 4. demo answers count; stats say why others do not ------------------------------
@pytest.mark.slow
def test_demo_answers_fall_within_opening_hours_and_are_all_counted(tmp_path):
    from kiosk.core import KioskCore
    from kiosk.store.models import Response

    data = tmp_path / "data"
    made = kiosk("demo-data", "--answers", "500", "--seed", "1", "--data-dir", str(data))
    assert made.returncode == 0, made.stderr
    core = KioskCore.open(None, data)
    try:
        with core.engine.connect() as connection:
            rows = connection.execute(Response.__table__.select()).mappings().all()
    finally:
        core.engine.dispose()
    assert len(rows) == 500
    policy = core.config.integrity
    assert all(policy.is_open(row["finished_at"].replace(tzinfo=timezone.utc)) for row in rows)
    assert [row["flags"] for row in rows if row["flags"]] == []
    dossiers = [row["dossier_code"] for row in rows if row["dossier_code"]]
    assert len(dossiers) == len(set(dossiers)) > 100


@pytest.mark.slow
def test_portal_stats_say_why_answers_are_not_counted(tmp_path):
    portal = start_portal(f"sqlite:///{tmp_path / 'portal.db'}")
    try:
        data = tmp_path / "data"
        portal.enrol(data)
        assert (
            kiosk("demo-data", "--answers", "30", "--seed", "2", "--data-dir", str(data)).returncode
            == 0
        )
        assert run("-m", "sync", "--once", "--data-dir", str(data)).returncode == 0
        clean = portal.portal("stats").stdout
        assert "counted     30" in clean and "not counted" not in clean
        # Answers from a tablet whose clock ran outside opening hours: flagged, explained.
        late = tmp_path / "late"
        portal.enrol(late)
        from kiosk.core import KioskCore
        from kiosk.demo import fill_survey

        core = KioskCore.open(None, late)
        try:
            rng = random.Random(4)
            night = datetime(2026, 3, 3, 22, 0, tzinfo=timezone.utc)  # 05:00 in Đà Nẵng
            for minute in range(0, 12, 3):
                survey = core.new_survey()
                survey.now = lambda m=minute: night + timedelta(minutes=m)
                fill_survey(survey, rng)
                core.save(survey.finish())
        finally:
            core.engine.dispose()
        assert run("-m", "sync", "--once", "--data-dir", str(late)).returncode == 0
        text = portal.portal("stats").stdout
        assert "not counted: 4 of 34" in text and "4 flagged after_hours" in text, text
        [unit] = portal.stats()["units"]
        assert (unit["counted"], unit["not_counted"]) == (30, 4)
    finally:
        portal.stop()
