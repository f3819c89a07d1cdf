"""The portal's settings: its public key for sealed personal data, each unit's yearly
dossier count (for its sample target), name and web survey forms (`portal unit`), the
secret its web pages sign their state with."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.store.engine import insert_ignoring_duplicates
from portal.store.models import Setting

PUBLIC_KEY = "public_key"
YEARLY_DOSSIERS = "yearly_dossiers:"  # then the unit's code, as the three below
UNIT_NAME = "unit_name:"
WEB_FORM = "web_form:"
WEB_LONG_FORM = "web_long_form:"  # "": the unit's web survey offers no long form
# A unit whose only applicants are other state bodies filing the same dossier again and
# again: how many there are (decision 2223, III.2.c: one answer each per half-year).
HALF_YEAR = "half_year:"
# The unit's words to a citizen whose dossier is late, shown by a tablet's lookup.
APOLOGY = "apology:"
# The first day (ISO) from which the unit's dossiers are all kept: answers given since are
# checked for unknown codes (portal/store/dossier_checks.py). Set at its first import.
DOSSIERS_FROM = "dossiers_from:"
UNIT_SETTINGS = (
    YEARLY_DOSSIERS,
    UNIT_NAME,
    WEB_FORM,
    WEB_LONG_FORM,
    HALF_YEAR,
    APOLOGY,
    DOSSIERS_FROM,
)
WEB_SECRET = "web_secret"
# The web survey's forms when a unit chose none: decision 2223's quick form, then the long
# SIPAS form (the kiosk's defaults, config.yaml), each at its latest version.
DEFAULT_WEB_FORM = "danang-2223"
DEFAULT_WEB_LONG_FORM = "sipas-dak-song-2023"
MAX_KEY = 64  # the settings table's key column
MAX_UNIT = MAX_KEY - len(WEB_LONG_FORM)  # the longest unit code every unit key fits


@dataclass(frozen=True)
class UnitSettings:
    """What the portal keeps about a unit beyond its devices: `portal unit`."""

    unit: str
    name: str = ""  # "": the pages show the unit's code
    yearly_dossiers: int | None = None
    web_form: str = DEFAULT_WEB_FORM
    web_long_form: str | None = DEFAULT_WEB_LONG_FORM  # None: none offered on the web
    state_applicants: int | None = None  # the half-year rule's applicants (None: not such a unit)
    apology: str = ""  # to a citizen whose dossier is late ("": the kiosk's own words)
    dossiers_from: str = ""  # ISO day its dossiers are complete from ("": none kept yet)

    @property
    def shown_name(self) -> str:
        return self.name or self.unit


def public_key(engine: Engine) -> str:
    """The portal's public key (base64), "" before `portal keys` made one."""
    with Session(engine) as session:
        setting = session.get(Setting, PUBLIC_KEY)
        return setting.value if setting else ""


def set_public_key(engine: Engine, public: str) -> None:
    with Session(engine) as session, session.begin():
        session.merge(Setting(key=PUBLIC_KEY, value=public))


def yearly_dossiers(engine: Engine) -> dict[str, int]:
    """Per unit with a dossier count: the count."""
    query = select(Setting).where(Setting.key.startswith(YEARLY_DOSSIERS))
    with Session(engine) as session:
        settings = session.scalars(query)
        return {s.key.removeprefix(YEARLY_DOSSIERS): int(s.value) for s in settings}


def unit_values(engine: Engine, prefix: str) -> dict[str, str]:
    """One setting of every unit that has it: {unit: value} (names, half-year applicants)."""
    query = select(Setting).where(Setting.key.startswith(prefix))
    with Session(engine) as session:
        return {s.key.removeprefix(prefix): s.value for s in session.scalars(query)}


def unit_settings(engine: Engine, unit: str) -> UnitSettings:
    """A unit's settings, its defaults where it has none (one query)."""
    keys = [prefix + unit for prefix in UNIT_SETTINGS]
    with Session(engine) as session:
        found = {
            s.key: s.value for s in session.scalars(select(Setting).where(Setting.key.in_(keys)))
        }
    dossiers = found.get(YEARLY_DOSSIERS + unit)
    return UnitSettings(
        unit,
        name=found.get(UNIT_NAME + unit, ""),
        yearly_dossiers=int(dossiers) if dossiers is not None else None,
        web_form=found.get(WEB_FORM + unit, DEFAULT_WEB_FORM),
        web_long_form=found.get(WEB_LONG_FORM + unit, DEFAULT_WEB_LONG_FORM) or None,
        state_applicants=int(found[HALF_YEAR + unit]) if found.get(HALF_YEAR + unit) else None,
        apology=found.get(APOLOGY + unit, ""),
        dossiers_from=found.get(DOSSIERS_FROM + unit, ""),
    )


def set_unit_settings(
    engine: Engine,
    unit: str,
    yearly_dossiers: int | None = None,
    name: str | None = None,
    web_form: str | None = None,
    web_long_form: str | None = None,
    state_applicants: int | None = None,
    apology: str | None = None,
    dossiers_from: str | None = None,
) -> None:
    """Keep what is given of a unit's settings (None: left as it is; a name of "" shows the
    code again, a long form of "" offers none, 0 state applicants ends the half-year rule),
    in one transaction."""
    if len(unit) > MAX_UNIT:
        raise ValueError(f"a unit code kept with its settings has at most {MAX_UNIT} characters")
    dossiers = str(yearly_dossiers) if yearly_dossiers is not None else None
    given = {
        YEARLY_DOSSIERS: dossiers,
        UNIT_NAME: name,
        WEB_FORM: web_form,
        WEB_LONG_FORM: web_long_form,
        HALF_YEAR: None if state_applicants is None else str(state_applicants or ""),
        APOLOGY: apology,
        DOSSIERS_FROM: dossiers_from,
    }
    with Session(engine) as session, session.begin():
        for prefix, value in given.items():
            if value is not None:
                session.merge(Setting(key=prefix + unit, value=value))


def web_secret(engine: Engine) -> bytes:
    """The key the portal's pages sign what they hand the browser with (a survey's state),
    made at first use and kept: every worker and every restart signs with the same one."""
    row = {"key": WEB_SECRET, "value": secrets.token_hex(32)}
    with engine.begin() as connection:  # two workers at once: the first one's stays
        connection.execute(insert_ignoring_duplicates(engine, Setting, [row]))
    with Session(engine) as session:
        setting = session.get(Setting, WEB_SECRET)
        assert setting is not None  # inserted above, never deleted
        return bytes.fromhex(setting.value)
