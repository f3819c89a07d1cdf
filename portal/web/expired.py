"""The page for a state the survey does not take, saying truly what was kept.

A state is not taken when it is not ours (forged, or garbled on the way: nothing in it can
be believed), when it is older than an hour, or when it names a form version the portal
knows no more (portal/web/state.py, replay.py). Nothing is stored from such a page; what
was stored before it stays, and the page says which: a quick answer is stored as its last
page is sent, a long one as its own last page is. So a state past the quick answer (the
offer, the long form, the thanks) has its verdict kept, and what was answered of the long
form since is not, unless that was finished too. The store is asked, not the stage: a page
sent again from the browser's history may be behind what was stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from portal.web.pages import Page, message, start_url
from portal.web.replay import long_uuid
from portal.web.state import LONG, QUICK, BadState, SurveyState
from portal.web.storing import is_stored

TITLE = "web.expired_title"


@dataclass(frozen=True)
class Kept:
    """What the store holds of a survey: its quick answer (with the verdict), its long one."""

    quick: bool
    long: bool


def expired_page(engine: Engine, bad: BadState) -> Page:
    """What to say of a state not taken, and whether to offer to begin again (only when
    nothing was kept: a dossier with a verdict cannot be rated again)."""
    state = bad.state
    if state is None:  # nothing known of it: only that this page stored nothing
        return message(TITLE, "web.invalid_body", 400)
    try:
        kept = kept_of(engine, state)
    except SQLAlchemyError:  # the store cannot say: what is true whatever it holds
        return message(TITLE, "web.invalid_body", 400)
    if kept.long:
        return message(TITLE, "web.all_kept_body", 400)
    if kept.quick and state.stage == LONG and state.answers:
        return message(TITLE, "web.long_lost_body", 400)
    if kept.quick:
        return message(TITLE, "web.verdict_kept_body", 400)
    restart = start_url(state.unit, state.counter, state.language)
    return message(TITLE, "web.expired_body", 400, restart_url=restart)


def kept_of(engine: Engine, state: SurveyState) -> Kept:
    """Whether the survey's quick answer, and its long one, are stored."""
    quick_uuid = state.follows or (state.uuid if state.stage == QUICK else "")
    if not quick_uuid or not is_stored(engine, quick_uuid):
        return Kept(quick=False, long=False)
    return Kept(quick=True, long=is_stored(engine, long_uuid(quick_uuid)))
