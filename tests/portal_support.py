"""Real processes for the sync tests: the portal on loopback, enrolled kiosks, the daemon."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )


@dataclass
class Portal:
    url: str
    db: str
    process: subprocess.Popen | None = None

    def portal(self, *args: str) -> subprocess.CompletedProcess:
        return run("-m", "portal", "--db", self.db, *args)

    def enrol(self, data_dir: Path, unit: str = "DNG-HC", counter: str = "Q1") -> dict:
        out = data_dir.parent / f"enrol-{data_dir.name}.json"
        made = self.portal(
            "device",
            "add",
            "--unit",
            unit,
            "--counter",
            counter,
            "--portal-url",
            self.url,
            "--out",
            str(out),
        )
        assert made.returncode == 0, made.stderr
        applied = run("-m", "kiosk", "enrol", str(out), "--data-dir", str(data_dir))
        assert applied.returncode == 0, applied.stderr
        return json.loads(out.read_text())

    def uuids(self) -> list[str]:
        """The UUIDs of the answers the portal stored, in the order it stored them."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.db)
        try:
            with engine.connect() as connection:
                query = text("SELECT uuid FROM answers ORDER BY id")
                return list(connection.execute(query).scalars())
        finally:
            engine.dispose()

    def stats(self) -> dict:
        result = self.portal("stats", "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def start_portal(
    db: str,
    port: int | None = None,
    log: Path | None = None,
    tls: tuple[Path, Path] | None = None,
    docs: bool = False,
    options: tuple[str, ...] = (),
) -> Portal:
    """The portal as a process on loopback (HTTPS with `tls` = (cert, key); `docs`: /docs)."""
    port = port or free_port()
    output = log.open("wb") if log else subprocess.DEVNULL
    command = [sys.executable, "-m", "portal", "serve", "--db", db, "--port", str(port)]
    if tls:
        command += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
    if docs:
        command.append("--docs")
    command += options
    process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=output)
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            health = requests.get(url + "/api/v1/health", timeout=1, verify=False)
            if health.status_code == 200:
                return Portal(url, db, process)
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the portal did not start")


def kiosk(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return run("-m", "kiosk", *args, timeout=timeout)


def sync(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return run("-m", "sync", *args, timeout=timeout)


class PostgresServer:
    """A throwaway PostgreSQL cluster on loopback, from Debian's binaries (as user postgres
    when the tests run as root, since initdb refuses root)."""

    def __init__(self):
        import glob
        import os
        import tempfile

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL is needed: apt-get install postgresql")
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            import shutil

            shutil.chown(self.root, "postgres", "postgres")
        self.port = free_port()

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        data = self.root / "data"
        self._run(
            str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        import shutil

        subprocess.run(
            [
                *self.as_user,
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "fast",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)
