"""The forms the portal knows, as the form engine reads them: the shipped ones (assets/forms)
and the versions registered with `portal form add` (their text, kept in the store).

An import checks every cell against one of these; an export heads its columns with one.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from sqlalchemy import Engine

from kiosk.domain.forms import Form, load_form
from kiosk.resources import ASSETS
from portal.store.forms import list_registered

SHIPPED = ASSETS / "forms"


def form_versions(engine: Engine, form_id: str) -> list[int]:
    """Every version of the form the portal knows, shipped or registered, in order."""
    shipped = {form.version for form in _shipped() if form.id == form_id}
    registered = {row.version for row in list_registered(engine) if row.form_id == form_id}
    return sorted(shipped | registered)


def find_form(engine: Engine, form_id: str, version: int | None = None) -> Form | None:
    """The form at that version (None: its latest); None when the portal does not know it.

    A shipped form wins over a registered text of the same version: the version is the
    same form either way (`form add` refuses another text for a version it has).
    """
    versions = form_versions(engine, form_id)
    wanted = version if version is not None else (versions[-1] if versions else None)
    if wanted is None or wanted not in versions:
        return None
    shipped = next((f for f in _shipped() if (f.id, f.version) == (form_id, wanted)), None)
    if shipped is not None:
        return shipped
    text = next(
        row.text
        for row in list_registered(engine)
        if (row.form_id, row.version) == (form_id, wanted)
    )
    return _from_text(text, f"{form_id}-v{wanted}")


@cache
def _shipped() -> tuple[Form, ...]:
    """Read once a process: a command asks for them more than once, and they never change."""
    return tuple(load_form(path) for path in sorted(SHIPPED.glob("*.yaml")))


def _from_text(text: str, name: str) -> Form:
    """A registered form's text read by the engine, which reads files: one made for it."""
    with tempfile.TemporaryDirectory(prefix="portal-form-") as folder:
        path = Path(folder) / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return load_form(path)
