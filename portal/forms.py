"""The forms the portal knows beyond the ones it ships: `portal form add` and `form list`.

A form is checked by the kiosk's own engine (kiosk.domain.forms) before it is kept, and
every version is kept as given. Adding a version again with the same text changes
nothing; with another text it is refused: answers name a form by id and version, so
what a version means must never change once answers may carry it.
"""

from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from sqlalchemy import Engine

from kiosk.domain.forms import load_form, localized
from portal.store.forms import keep_form, list_registered

MAX_ID = 64  # the store's column, as for answers' form_id
MAX_VERSION = 2**31 - 1  # PostgreSQL's INTEGER


class Added(Enum):
    """What `form add` did with a form version."""

    NEW = "new"
    SAME = "same"  # there already, with this very text: nothing to do
    DIFFERENT = "different"  # there already with another text: refused


@dataclass(frozen=True)
class AddResult:
    outcome: Added
    form_id: str
    version: int


def add_form(engine: Engine, path: Path, added_by: str | None = None) -> AddResult:
    """Check the form at `path` and keep it; raise FileProblems when the engine refuses it."""
    form = load_form(path)
    if len(form.id) > MAX_ID or not 1 <= form.version <= MAX_VERSION:
        raise ValueError(
            f"a form's id has at most {MAX_ID} characters, its version is 1…{MAX_VERSION}"
        )
    text = path.read_text(encoding="utf-8")  # load_form read it: readable, UTF-8, small
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    row = {
        "form_id": form.id,
        "version": form.version,
        "title": localized(form.title, "vi"),
        "questions": len(form.questions),
        "text": text,
        "sha256": digest,
        "added_by": (added_by or _who())[:64],
        "added_at": datetime.now(timezone.utc).replace(tzinfo=None),
    }
    kept = keep_form(engine, row)
    if kept is None:
        return AddResult(Added.NEW, form.id, form.version)
    outcome = Added.SAME if kept == digest else Added.DIFFERENT
    return AddResult(outcome, form.id, form.version)


def _who() -> str:
    """The account running the command (a container may have no name for it)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def form_rows(engine: Engine) -> list[dict[str, object]]:
    """Every registered version for `form list`: id, version, title (vi), questions, when
    added and by whom, the text's SHA-256."""
    return [
        {
            "form_id": form.form_id,
            "version": form.version,
            "title": form.title,
            "questions": form.questions,
            "added_at": form.added_at.isoformat(timespec="seconds") + "Z",
            "added_by": form.added_by,
            "sha256": form.sha256,
        }
        for form in list_registered(engine)
    ]
