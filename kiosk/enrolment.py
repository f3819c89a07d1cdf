"""A tablet's enrolment with a portal: where to send, who it is, and the key to seal with.

The portal's `device add` writes an enrolment file; `python -m kiosk enrol FILE` checks it
and keeps it as <data dir>/enrolment.json (mode 0600). It then takes precedence over
config.yaml for the portal URL and public key, the device id, unit and counter.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.domain.yamlfile import Checker, FileProblems, Problem, YMap

FILE_NAME = "enrolment.json"


@dataclass(frozen=True)
class Enrolment:
    portal_url: str
    device_id: str
    secret: str
    unit_code: str
    counter: str
    public_key: str = ""  # base64 X25519; empty when the portal has none

    @property
    def public_key_bytes(self) -> bytes | None:
        return base64.b64decode(self.public_key) if self.public_key else None


def read_enrolment(path: Path) -> Enrolment:
    """Read and check an enrolment file; raise FileProblems naming what is wrong."""
    name = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileProblems([Problem(name, 0, "", "file_missing")]) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileProblems([Problem(name, 0, "", "file_unreadable", {"error": str(exc)})]) from None
    check = Checker(name)
    if not isinstance(data, dict):
        check.problems.append(Problem(name, 0, "", "not_a_mapping"))
        check.raise_if_any()
    mapping = YMap(data)
    mapping.line, mapping.key_lines = 0, {}
    fields = {f.name for f in dataclasses.fields(Enrolment)}
    check.unknown_keys(mapping, fields)
    values = {f: check.get(mapping, f, str, required=f != "public_key", default="") for f in fields}
    if values["portal_url"] and not re.match(r"^https?://[^\s/]+", values["portal_url"]):
        check.problem(mapping, "portal_url", "bad_url")
    if values["public_key"]:
        try:
            ok = len(base64.b64decode(values["public_key"], validate=True)) == 32
        except ValueError:
            ok = False
        if not ok:
            check.problem(mapping, "public_key", "bad_public_key")
    check.raise_if_any()
    return Enrolment(**values)


def save_enrolment(enrolment: Enrolment, data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / FILE_NAME
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(dataclasses.asdict(enrolment), handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


def load_enrolment(data_dir: Path) -> Enrolment | None:
    path = data_dir / FILE_NAME
    return read_enrolment(path) if path.is_file() else None
