"""The dashboard's tests share this: a real portal on loopback (SQLite or PostgreSQL) with
three units, a keypair, an account of each role, and answers spread over the last months;
a signed-in `requests` session per role; the CSRF token read off a page.

Units: DNG-HC (counters Q1, Q2; officers CB01, CB02), DNG-TK (Q1), DNG-LC (Q1). Accounts
(USERS): `tinh` the province, `lanhdao-hc` DNG-HC's head, `phuctra-hc` re-verifier of
DNG-HC, `kythuat` IT. Every password is PASSWORD.
"""

from __future__ import annotations

import base64
import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import requests
from nacl.public import PublicKey, SealedBox

from portal.api.app import known_forms
from portal.intake import store_channel_answers
from portal.schemas import AnswerIn
from portal.store.engine import make_portal_engine
from portal.store.settings import public_key
from tests.portal_support import Portal, run, start_portal

UNITS = {"DNG-HC": ("Q1", "Q2"), "DNG-TK": ("Q1",), "DNG-LC": ("Q1",)}
OFFICERS = {"DNG-HC": ("CB01", "CB02"), "DNG-TK": ("CB11",), "DNG-LC": ("CB21",)}
PASSWORD = "mat-khau-thu-nghiem"
USERS = {
    "province": ("tinh", ()),
    "unit_head": ("lanhdao-hc", ("DNG-HC",)),
    "verifier": ("phuctra-hc", ("DNG-HC",)),
    "it": ("kythuat", ()),
}
VIETNAM = timezone(timedelta(hours=7))
REASONS = ("progress", "staff_attitude", "information", "repeated_contact", "unofficial_costs")


@dataclass
class Dashboard:
    portal: Portal
    folder: Path
    answers: dict[str, int] = field(default_factory=dict)  # stored per unit

    @property
    def url(self) -> str:
        return self.portal.url

    def signed_in(self, role: str) -> requests.Session:
        """A browser-like session signed in as the role's account."""
        name = USERS[role][0]
        session = requests.Session()
        reply = session.post(
            f"{self.url}/quan-tri/dang-nhap",
            data={"name": name, "password": PASSWORD, "next": ""},
            allow_redirects=False,
            timeout=30,
        )
        assert reply.status_code == 303, reply.text
        return session

    def stop(self) -> None:
        self.portal.stop()


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no form with a CSRF token on this page"
    return found.group(1)


def start_dashboard(
    folder: Path, db: str = "", config: str = "", answers: bool = True, today: date | None = None
) -> Dashboard:
    """A portal with the units, keypair and accounts above (and demo answers unless
    `answers` is False), served with `config` as its portal.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    db = db or f"sqlite:///{folder / 'portal.db'}"
    for unit, counters in UNITS.items():
        added = run("-m", "portal", "--db", db, "counter", "add", "--unit", unit, *counters)
        assert added.returncode == 0, added.stderr
    key_file = folder / "private.key"
    made = run("-m", "portal", "--db", db, "keys", "--private-out", str(key_file))
    assert made.returncode == 0, made.stderr
    for role, (name, units) in USERS.items():
        unit_args = [arg for unit in units for arg in ("--unit", unit)]
        added = _run_with_stdin(db, ["user", "add", name, "--role", role, *unit_args], PASSWORD)
        assert added.returncode == 0, added.stderr
    stored = demo_answers(db, today or date.today()) if answers else {}
    config_file = folder / "portal.yaml"
    # Not counted ahead unless a test asks (count_ahead_seconds in `config`): tests change
    # units' names and targets after the start, which figures counted ahead would miss.
    ahead = "" if "count_ahead_seconds" in config else "  count_ahead_seconds: 0\n"
    text = f"dashboard:\n  private_key: {key_file}\n{ahead}{config}"
    config_file.write_text(text, encoding="utf-8")
    server = start_portal(db, log=folder / "portal.log", options=("--config", str(config_file)))
    return Dashboard(server, folder, stored)


def _run_with_stdin(db: str, args: list[str], text: str):
    import subprocess
    import sys

    from tests.conftest import ROOT

    command = [sys.executable, "-m", "portal", "--db", db, *args, "--password-stdin"]
    return subprocess.run(command, input=text + "\n", capture_output=True, text=True, cwd=ROOT)


def demo_answers(db: str, today: date, seed: int = 2223) -> dict[str, int]:
    """Quick-form answers over the 90 days up to `today` (about 8 a working day at DNG-HC,
    fewer elsewhere), one in eight with a sealed phone, a few flagged; the same every run
    for the same seed and day. Returns how many were stored (flagged ones too) per unit."""
    engine = make_portal_engine(db)
    box = SealedBox(PublicKey(base64.b64decode(public_key(engine))))
    picks = random.Random(seed)
    made: list[AnswerIn] = []
    per_unit = {"DNG-HC": 8, "DNG-TK": 4, "DNG-LC": 2}
    for back in range(90, -1, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for unit, count in per_unit.items():
            for _ in range(count):
                made.append(_answer(picks, box, unit, day))
    stored: dict[str, int] = {}
    try:
        for start in range(0, len(made), 500):
            chunk = made[start : start + 500]
            fates = store_channel_answers(engine, chunk, f"demo-{start}", known_forms())
            refused = [fate for fate in fates if fate.status != "stored"]
            assert not refused, refused[:3]
            for answer in chunk:
                stored[answer.unit_code] = stored.get(answer.unit_code, 0) + 1
    finally:
        engine.dispose()
    return stored


def _answer(picks: random.Random, box: SealedBox, unit: str, day: date) -> AnswerIn:
    finished = datetime.combine(day, time(8 + picks.randrange(9), picks.randrange(60)), VIETNAM)
    satisfied = picks.random() < (0.9 if unit != "DNG-LC" else 0.7)
    verdict = "satisfied" if satisfied else "not_satisfied"
    reasons = [] if satisfied else sorted(picks.sample(REASONS, picks.choice((1, 1, 2))))
    answers: dict[str, object] = {"verdict": {"value": verdict, "other_text": ""}}
    if reasons:
        answers["reasons"] = {"value": reasons, "other_text": ""}
    comment = picks.choice(("", "", "", "Cán bộ tận tình, chu đáo")) if satisfied else ""
    if not satisfied and picks.random() < 0.3:
        reasons.append("other")
        answers["reasons"] = {"value": reasons, "other_text": "Phải chờ khá lâu"}
    if comment:
        answers["comment"] = {"value": comment, "other_text": ""}
    phone = f"09{picks.randrange(10**8):08d}" if picks.random() < 0.125 else ""
    sealed = box.encrypt(json.dumps({"phone": phone}).encode()) if phone else None
    flags = ["too_soon"] if picks.random() < 0.03 else []
    body = {
        "uuid": str(uuid.UUID(int=picks.getrandbits(128), version=4)),
        "sequence": 1,
        "form_id": "danang-2223",
        "form_version": 1,
        "unit_code": unit,
        "counter": picks.choice(UNITS[unit]),
        "device_id": "web",
        "officer": picks.choice(OFFICERS[unit]),
        "started_at": finished - timedelta(seconds=40),
        "finished_at": finished,
        "duration_ms": 40_000,
        "id_method": "none",
        "status": "complete",
        "verdict": verdict,
        "reasons": reasons,
        "comment": comment,
        "answers": answers,
        "language": "vi",
        "channel": picks.choice(("web", "paper", "web", "phone")),
        "personal_sealed": base64.b64encode(sealed).decode() if sealed else None,
        "flags": flags,
    }
    return AnswerIn.model_validate(body)
