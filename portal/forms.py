"""The forms the portal knows: the shipped ones (assets/forms) and the versions registered
with `portal form add` (`form list`), and THE lookup of one by id and version
(`find_form`), used by the web survey, the import of paper forms and the export.

A form is checked by the kiosk's own engine (kiosk.domain.forms) before it is kept, and
every version is kept as given. Adding a version again with the same text changes
nothing; with another text it is refused: answers name a form by id and version, so
what a version means must never change once answers may carry it (and a registered
version, once read, may be remembered: `_from_text`).
"""

from __future__ import annotations

import getpass
import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from functools import cache, lru_cache
from pathlib import Path

from sqlalchemy import Connection, Engine

from kiosk.domain.forms import Form, load_form, localized
from kiosk.resources import ASSETS
from portal.store.forms import keep_form, list_registered

SHIPPED = ASSETS / "forms"

MAX_ID = 64  # the store's column, as for answers' form_id
MAX_VERSION = 2**31 - 1  # PostgreSQL's INTEGER


class Added(Enum):
    """What `form add` did with a form version."""

    NEW = "new"
    SAME = "same"  # there already, with this very text: nothing to do
    SHIPPED = "shipped"  # shipped with the portal, this very text: accepted already
    DIFFERENT = "different"  # there already (registered or shipped) with another text: refused


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
    shipped = _shipped_digest(form.id, form.version)
    if shipped is not None:  # the portal accepts it already; its meaning is the shipped one's
        outcome = Added.SHIPPED if shipped == digest else Added.DIFFERENT
        return AddResult(outcome, form.id, form.version)
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
    """Every version the portal accepts, for `form list`: the shipped ones first (`shipped`
    true, never added by anyone), then the registered ones: id, version, title (vi),
    questions, when added and by whom, the text's SHA-256."""
    shipped: list[dict[str, object]] = [
        {
            "form_id": form.id,
            "version": form.version,
            "title": localized(form.title, "vi"),
            "questions": len(form.questions),
            "shipped": True,
            "added_at": None,
            "added_by": None,
            "sha256": _shipped_digest(form.id, form.version),
        }
        for form in _shipped()
    ]
    registered: list[dict[str, object]] = [
        {
            "form_id": form.form_id,
            "version": form.version,
            "title": form.title,
            "questions": form.questions,
            "shipped": False,
            "added_at": form.added_at.isoformat(timespec="seconds") + "Z",
            "added_by": form.added_by,
            "sha256": form.sha256,
        }
        for form in list_registered(engine)
    ]
    return shipped + registered


def find_form(engine: Engine | Connection, form_id: str, version: int | None = None) -> Form | None:
    """The form at that version (None: its latest); None when the portal does not know it.

    A shipped form wins over a registered text of the same version: the version is the
    same form either way (`form add` refuses another text for a version it has). A shipped
    version asked for by number is found without the store (the web survey asks on every
    page); any other in one query.
    """
    if version is not None:
        shipped = _shipped_form(form_id, version)
        if shipped is not None:
            return shipped
    texts = {row.version: row.text for row in list_registered(engine) if row.form_id == form_id}
    versions = {form.version for form in _shipped() if form.id == form_id} | texts.keys()
    wanted = version if version is not None else max(versions, default=None)
    if wanted is None or wanted not in versions:
        return None
    shipped = _shipped_form(form_id, wanted)
    if shipped is not None:
        return shipped
    return _from_text(texts[wanted], f"{form_id}-v{wanted}")


def known_form_ids(engine: Engine) -> list[str]:
    """The ids of every form the portal knows, shipped or registered (to name them when an
    id is not one of them)."""
    registered = {row.form_id for row in list_registered(engine)}
    return sorted({form.id for form in _shipped()} | registered)


@cache
def _shipped() -> tuple[Form, ...]:
    """Read once a process: a command asks for them more than once, and they never change."""
    return tuple(load_form(path) for path in sorted(SHIPPED.glob("*.yaml")))


@cache
def _shipped_digest(form_id: str, version: int) -> str | None:
    """The SHA-256 of a shipped form's text; None when no shipped file is that version."""
    for path in sorted(SHIPPED.glob("*.yaml")):
        form = load_form(path)
        if (form.id, form.version) == (form_id, version):
            text = path.read_text(encoding="utf-8")  # as add_form reads a file
            return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return None


def _shipped_form(form_id: str, version: int) -> Form | None:
    return next((f for f in _shipped() if (f.id, f.version) == (form_id, version)), None)


@lru_cache(maxsize=32)
def _from_text(text: str, name: str) -> Form:
    """A registered form's text read by the engine, which reads files: one made for it.
    Remembered by its text: a version's text never changes, and the web survey reads its
    form on every page."""
    with tempfile.TemporaryDirectory(prefix="portal-form-") as folder:
        path = Path(folder) / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return load_form(path)
