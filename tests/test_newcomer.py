"""A newcomer's first five minutes (issue 10): run-kiosk's local portal starts every time
on a fresh data directory and leaves nothing running, set-up happens once, the demo is
complete (sealed, counted) and every tool says the same about the enrolment."""

from __future__ import annotations

import subprocess

from tests.conftest import ROOT


# --- 2. set up once -----------------------------------------------------------------
def test_system_packages_has_a_run_time_set_within_the_test_set():
    def listed(which: str) -> str:
        text = (ROOT / "scripts" / "system-packages.sh").read_text()
        line = next(x for x in text.splitlines() if x.startswith(f"{which}=") or
                    x.strip().startswith(f"{which})"))  # fmt: skip
        return line

    assert {"libmtdev1", "libgl1", "libzbar0"} <= set(listed("run").split("(")[1].split(")")[0]
                                                       .split())  # fmt: skip
    result = subprocess.run(["bash", "scripts/system-packages.sh", "run", "--missing"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0
    assert "system-packages.sh run" in (ROOT / "scripts" / "run-kiosk").read_text()


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
    fake.write_text(f'#!/bin/sh\nif [ "$1" = -VV ]; then echo "Python 3"; exit 0; fi\n'
                    f'echo "$*" >>{calls}\n')  # fmt: skip
    fake.chmod(0o755)

    def setup(*extras: str) -> int:
        done = subprocess.run(["bash", str(project / "scripts" / "venv.sh"), *extras],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return len(calls.read_text().splitlines()) if calls.exists() else 0

    assert setup("portal") == 2  # pip upgraded, the project installed
    assert setup("portal") == 2  # nothing more
    assert setup() == 2  # the base is in what the portal extras installed
    assert setup("test") == 4  # the test extras are more
    assert setup("portal") == 4  # and include the portal's
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '2'\n")
    assert setup("portal") == 6
