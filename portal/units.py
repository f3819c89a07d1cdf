"""A unit's settings as `python -m portal unit` changes and shows them: its yearly dossier
count (for its sample target), the name its web survey's pages show, and the forms of its
web survey (a quick form, then a long one offered, or none).

Everything asked is checked before anything is kept: a form the portal knows (shipped or
added with `portal form add`; an id stands for its latest version, read when a survey
begins), a long form that is not the quick one and gives no verdict of its own (one
verdict per dossier), a name that prints on one line.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from kiosk.domain.forms import Form
from kiosk.domain.shifts import yearly_target
from portal.forms import find_form, known_form_ids
from portal.store.devices import unit_counters
from portal.store.dossier_checks import check_unit
from portal.store.settings import (
    MAX_UNIT,
    UnitSettings,
    set_unit_settings,
    unit_settings,
)

NO_LONG_FORM = "none"  # --web-long-form none: the web survey offers no long form
MAX_NAME = 200  # a name longer than this is not a unit's name
MAX_APOLOGY = 400  # what a tablet shows under a late dossier


class UnitRefused(ValueError):
    """A change `portal unit` does not make, with the words that say why."""


@dataclass(frozen=True)
class UnitChange:
    """What `portal unit` was asked to change; None: left as it is."""

    yearly_dossiers: int | None = None
    name: str | None = None  # "": the pages show the unit's code again
    web_form: str | None = None
    web_long_form: str | None = None  # NO_LONG_FORM: none offered
    state_applicants: int | None = None  # 0: not a unit under the half-year rule
    apology: str | None = None  # to a citizen whose dossier is late ("": the kiosk's words)
    dossiers_from: date | None = None  # its dossiers are all kept from this day on


def change_unit(engine: Engine, unit: str, change: UnitChange) -> None:
    """Check the change whole, then keep it; UnitRefused (nothing kept) when any of it is
    wrong."""
    if not 0 < len(unit) <= MAX_UNIT:
        raise UnitRefused(f"a unit code has 1 to {MAX_UNIT} characters")
    if change.yearly_dossiers is not None and change.yearly_dossiers < 0:
        raise UnitRefused("the dossier count cannot be negative")
    if change.state_applicants is not None and change.state_applicants < 0:
        raise UnitRefused("the number of state applicants cannot be negative")
    name = _checked_name(change.name) if change.name is not None else None
    apology = _checked_apology(change.apology) if change.apology is not None else None
    web_form, web_long_form = _checked_forms(engine, unit_settings(engine, unit), change)
    set_unit_settings(
        engine,
        unit,
        change.yearly_dossiers,
        name,
        web_form,
        web_long_form,
        change.state_applicants,
        apology,
        change.dossiers_from.isoformat() if change.dossiers_from else None,
    )
    if change.dossiers_from is not None:  # answers since that day are checked anew
        with engine.begin() as connection:
            check_unit(connection, unit)


def _checked_apology(text: str) -> str:
    """The apology as it is kept: composed and trimmed, a few sentences at most."""
    return _composed_line(
        text,
        MAX_APOLOGY,
        f"an apology has at most {MAX_APOLOGY} characters",
        "an apology is one paragraph of text, without control characters",
    )


def _checked_name(name: str) -> str:
    """The name as it is kept: composed (a terminal may send Vietnamese decomposed), trimmed."""
    return _composed_line(
        name,
        MAX_NAME,
        f"a unit's name has at most {MAX_NAME} characters",
        "a unit's name is one line of text, without control characters",
    )


def _composed_line(text: str, limit: int, too_long: str, not_text: str) -> str:
    """Text composed (NFC) and trimmed, refused with these words when too long or when it
    holds a control or format character."""
    text = unicodedata.normalize("NFC", text).strip()
    if len(text) > limit:
        raise UnitRefused(too_long)
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise UnitRefused(not_text)
    return text


def _checked_forms(
    engine: Engine, current: UnitSettings, change: UnitChange
) -> tuple[str | None, str | None]:
    """The web forms to keep (None: unchanged; "" for the long form: none)."""
    if change.web_form is None and change.web_long_form is None:
        return None, None
    if change.web_form is not None:
        _known(engine, change.web_form, "--web-form")
    long_form = change.web_long_form
    if long_form is not None and long_form.lower() == NO_LONG_FORM:
        long_form = ""
    elif long_form is not None:
        found = _known(engine, long_form, "--web-long-form")
        if found.verdict is not None:
            raise UnitRefused(
                f"{long_form} asks for a verdict (its question {found.verdict.id}): as the long "
                "form, after the quick form's verdict, it would rate one dossier twice"
            )
    quick = change.web_form if change.web_form is not None else current.web_form
    offered = current.web_long_form if long_form is None else long_form
    if offered and offered == quick:
        raise UnitRefused(
            f"{quick} cannot be both the quick form and the long form of the web survey: "
            f"give another long form, or --web-long-form {NO_LONG_FORM}"
        )
    return change.web_form, long_form


def _known(engine: Engine, form_id: str, option: str) -> Form:
    found = find_form(engine, form_id)
    if found is None:
        known = ", ".join(known_form_ids(engine))
        raise UnitRefused(
            f"{option} {form_id}: the portal knows no such form. It knows {known} "
            "(shipped with it, or added with `python -m portal form add FILE.yaml`)"
        )
    return found


def describe_unit(engine: Engine, unit: str) -> list[str]:
    """The unit's settings as `portal unit` prints them."""
    settings = unit_settings(engine, unit)
    dossiers = settings.yearly_dossiers
    if dossiers is None:
        lines = [f"{unit}: no yearly dossier count (--yearly-dossiers N gives its target)"]
    else:
        lines = [f"{unit}: {dossiers} dossiers a year → at least {yearly_target(dossiers)} answers"]
    if settings.name:
        lines.append(f"  name on the web survey: {settings.name}")
    else:
        lines.append(f"  name on the web survey: none set, the pages show {unit} (--name)")
    lines.append(f"  web survey: {_web_forms(engine, settings)}")
    if settings.state_applicants:
        lines.append(
            f"  half-year rule (state bodies): {settings.state_applicants} applicants → "
            f"at least {settings.state_applicants} answers each half-year"
        )
    if settings.apology:
        lines.append(f"  apology with a late dossier: {settings.apology}")
    if settings.dossiers_from:
        lines.append(
            f"  dossiers kept from {settings.dossiers_from}: answers since are checked against "
            "them (--dossiers-from DAY)"
        )
    if unit not in unit_counters(engine):
        lines.append(
            f"  note: the portal knows no device or counter of {unit}: its survey links are "
            f"refused until `python -m portal counter add --unit {unit} COUNTER…`"
        )
    return lines


def _web_forms(engine: Engine, settings: UnitSettings) -> str:
    quick = _form_words(engine, settings.web_form)
    if settings.web_long_form is None:
        return f"{quick}; no long form offered"
    return f"{quick}, then {_form_words(engine, settings.web_long_form)} offered"


def _form_words(engine: Engine, form_id: str) -> str:
    found = find_form(engine, form_id)
    if found is None:  # kept once, gone since (a release without it): say so
        return f"{form_id} (UNKNOWN to this portal: its surveys cannot begin)"
    return f"{form_id} (its latest version, now {found.version})"
