"""A dossier looked up at the kiosk, in the words a citizen reads (pure: no screen).

The status comes first and in plain words — đang giải quyết (with the day promised), đã có
kết quả (and where to collect it), đã trả kết quả (and when) — then, for a late dossier,
by how many days and the unit's apology (its own words when it recorded some, a kind
sentence otherwise), then the facts: procedure, field, the days received and promised.
Dates read dd/mm/yyyy, as on the receipt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from contract.dossiers import PROCESSING, READY, RETURNED, DossierView

Translate = Callable[..., str]  # a locale key and its parameters → the words


@dataclass(frozen=True)
class DossierWords:
    """What the lookup screen shows of one dossier, every line already in words."""

    status: str  # "Đang giải quyết", "Đã có kết quả", "Đã trả kết quả"
    detail: str  # the day promised, where to collect, or the day returned
    late: str  # "Hồ sơ trễ hẹn 3 ngày." ('' when on time)
    apology: str  # the unit's words, or a kind default ('' when on time)
    facts: tuple[tuple[str, str], ...]  # (label, value): code, procedure, field, two dates
    can_rate: bool  # returned: the citizen may rate it now


def date(moment: datetime | None) -> str:
    """dd/mm/yyyy, as a receipt prints it ('' for no date)."""
    return moment.strftime("%d/%m/%Y") if moment is not None else ""


def dossier_words(dossier: DossierView, tr: Translate) -> DossierWords:
    """The lines to show for `dossier`, in the language of `tr`."""
    late = dossier.late
    return DossierWords(
        status=tr(f"dossier.status.{_status(dossier)}"),
        detail=_detail(dossier, tr),
        late=_late(dossier, tr) if late else "",
        apology=(dossier.apology.strip() or tr("dossier.apology_default")) if late else "",
        facts=_facts(dossier, tr),
        can_rate=dossier.status == RETURNED,
    )


def _status(dossier: DossierView) -> str:
    return dossier.status if dossier.status in (PROCESSING, READY, RETURNED) else PROCESSING


def _detail(dossier: DossierView, tr: Translate) -> str:
    if dossier.status == READY:
        return _where_to_collect(dossier.counter.strip(), tr)
    if dossier.status == RETURNED:
        return tr("dossier.returned_on", date=date(dossier.returned_at or dossier.appointment_at))
    return tr("dossier.promised_for", date=date(dossier.appointment_at))


def _where_to_collect(counter: str, tr: Translate) -> str:
    if not counter:
        return tr("dossier.collect_at_desk")
    # The one-stop software may name it "Quầy 3" or just "3": never "quầy Quầy 3".
    named = counter.casefold().startswith((tr("dossier.counter_word").casefold(), "quầy"))
    key = "dossier.collect_at_named" if named else "dossier.collect_at_counter"
    return tr(key, counter=counter)


def _late(dossier: DossierView, tr: Translate) -> str:
    if dossier.delay_days == 1:
        return tr("dossier.late_one_day")
    if dossier.delay_days > 1:
        return tr("dossier.late_days", days=dossier.delay_days)
    return tr("dossier.late")  # past the hour promised, on the day promised


def _facts(dossier: DossierView, tr: Translate) -> tuple[tuple[str, str], ...]:
    facts = [
        (tr("dossier.code"), dossier.code),
        (tr("dossier.procedure"), dossier.procedure),
        (tr("dossier.field"), dossier.field),
        (tr("dossier.received"), date(dossier.received_at)),
        (tr("dossier.appointment"), date(dossier.appointment_at)),
    ]  # the day returned is in the status's own line
    return tuple((label, value) for label, value in facts if value.strip())
