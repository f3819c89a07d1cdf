"""Re-verification (phúc tra): samples drawn once, sealed phones opened, outcomes.

GET  /quan-tri/phuc-tra                          the samples of the viewer's units, with
                                                 progress and confirmation rate; the
                                                 province draws a new one here
POST /quan-tri/phuc-tra                          the province draws (unit, period, size)
GET  /quan-tri/phuc-tra/{sample}                 the sampled answers, never a phone
POST /quan-tri/phuc-tra/{sample}/{uuid}/mo-so    a re-verifier opens one answer's phone
POST /quan-tri/phuc-tra/{sample}/{uuid}/ket-qua  a re-verifier records the call's outcome

Who: the province sees and draws every unit's samples; a re-verifier sees the samples of
the units assigned to them and alone opens phones and records outcomes there; a unit head
reads their units' samples and rates; IT has no answer to see (403). A sample of a unit
not given is 404, as one that does not exist. Every draw, opening and outcome is audited
(portal/dashboard/events.py) with the sample and the answer's UUID, never the phone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from portal.dashboard import events
from portal.dashboard import verification_store as store
from portal.dashboard.accounts import PROVINCE, UNIT_HEAD, VERIFIER, Viewer
from portal.dashboard.verification_phone import PhoneError, open_phone
from portal.dashboard.web import PREFIX, Posted, address, allow, checked, config_of, page
from portal.reports import counting
from portal.reports.request import PeriodError
from portal.reports.wording import CHANNELS
from portal.store.answer_facts import LOCAL_ZONE
from portal.store.settings import UNIT_NAME, unit_values

router = APIRouter(include_in_schema=False)

HOME = f"{PREFIX}/phuc-tra"
SAMPLE_DRAWN, PHONE_OPENED, OUTCOME_RECORDED = "sample_drawn", "phone_opened", "outcome_recorded"
Reader = Annotated[Viewer, Depends(allow(PROVINCE, UNIT_HEAD, VERIFIER))]
Province = Annotated[Viewer, Depends(allow(PROVINCE))]
Verifier = Annotated[Viewer, Depends(allow(VERIFIER))]


@router.get(HOME)
def sample_list(request: Request, person: Reader) -> Response:
    return _list_page(request, person)


@router.post(HOME)
def draw(request: Request, person: Province, fields: Posted) -> Response:
    checked(person, fields)
    engine = request.app.state.engine
    unit = fields.get("unit", "").strip()
    try:
        if unit not in _known_units(request):
            raise store.VerificationError("Vui lòng chọn một đơn vị trong danh sách.")
        period = store.period_of(fields.get("period", ""), datetime.now(LOCAL_ZONE).date())
        size = store.parse_size(fields.get("size", ""))
        drawn = store.draw_sample(engine, unit, period, size, person.name)
    except (store.VerificationError, PeriodError) as exc:
        return _list_page(request, person, problem=str(exc), asked=fields, status=400)
    if drawn.new:
        detail = f"mẫu {drawn.sample_id}, {period.label}, cỡ mẫu {size}"
        events.record(engine, person.name, SAMPLE_DRAWN, unit, detail, address(request))
    shown = "moi" if drawn.new else "da-co"
    return RedirectResponse(f"{HOME}/{drawn.sample_id}?{shown}=1", 303)


@router.get(HOME + "/{sample_id}")
def sample_page(request: Request, person: Reader, sample_id: int) -> Response:
    sample = _sample_for(request, person, sample_id)
    asked = request.query_params
    context = {
        "sample": sample,
        "items": store.items(request.app.state.engine, sample_id),
        "unit_name": _unit_names(request).get(sample.unit, sample.unit),
        "outcomes": store.OUTCOMES,
        "channels": CHANNELS,
        "formula": store.RATE_FORMULA,
        "new": bool(asked.get("moi")),
        "kept": bool(asked.get("da-co")),
        "recorded": asked.get("ghi", ""),
        "can_call": person.role == VERIFIER,
    }
    return page("verify_sample.html", person, context)


@router.post(HOME + "/{sample_id}/{uuid}/mo-so")
def open_number(
    request: Request, person: Verifier, fields: Posted, sample_id: int, uuid: str
) -> Response:
    checked(person, fields)
    engine = request.app.state.engine
    sample = _sample_for(request, person, sample_id)
    found = store.items(engine, sample_id, uuid)
    if not found:
        raise HTTPException(404)
    try:
        phone = open_phone(
            config_of(request).private_key, store.sealed_phone(engine, sample_id, uuid)
        )
    except (PhoneError, store.VerificationError) as exc:
        return page("verify_problem.html", person, {"sample": sample, "problem": str(exc)}, 409)
    except store.NotInSample:
        raise HTTPException(404) from None
    store.count_opening(engine, sample_id, uuid)
    detail = f"mẫu {sample_id}, phiếu {uuid}"
    events.record(engine, person.name, PHONE_OPENED, sample.unit, detail, address(request))
    context = {
        "sample": sample,
        "item": found[0],
        "phone": phone,
        "outcomes": store.OUTCOMES,
        "channels": CHANNELS,
        "unit_name": _unit_names(request).get(sample.unit, sample.unit),
    }
    # Never kept by the browser, a proxy or the back button's cache.
    return page("verify_phone.html", person, context, headers={"Pragma": "no-cache"})


@router.post(HOME + "/{sample_id}/{uuid}/ket-qua")
def record(
    request: Request, person: Verifier, fields: Posted, sample_id: int, uuid: str
) -> Response:
    checked(person, fields)
    engine = request.app.state.engine
    sample = _sample_for(request, person, sample_id)
    outcome, verdict = fields.get("outcome", ""), fields.get("verdict", "")
    try:
        disowned = store.record_outcome(engine, sample_id, uuid, outcome, verdict, person.name)
    except store.NotInSample:
        raise HTTPException(404) from None
    except store.VerificationError as exc:
        return page("verify_problem.html", person, {"sample": sample, "problem": str(exc)}, 400)
    detail = f"mẫu {sample_id}, phiếu {uuid}: {outcome}" + (", gắn cờ disowned" if disowned else "")
    events.record(engine, person.name, OUTCOME_RECORDED, sample.unit, detail, address(request))
    return RedirectResponse(f"{HOME}/{sample_id}?ghi={uuid}#phieu-{uuid}", 303)


def _sample_for(request: Request, person: Viewer, sample_id: int) -> store.SampleInfo:
    """The sample if the viewer may see its unit; 404 otherwise (as for none)."""
    units = person.units
    found = store.samples(request.app.state.engine, units, sample_id=sample_id)
    if not found or not person.sees(found[0].unit):
        raise HTTPException(404)
    return found[0]


def _list_page(
    request: Request,
    person: Viewer,
    problem: str = "",
    asked: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    engine = request.app.state.engine
    context = {
        "samples": store.samples(engine, person.units),
        "unit_names": _unit_names(request),
        "units": sorted(_known_units(request)) if person.role == PROVINCE else [],
        "can_draw": person.role == PROVINCE,
        "problem": problem,
        "asked": asked or {"size": "5%"},
        "formula": store.RATE_FORMULA,
    }
    return page("verify_list.html", person, context, status)


def _known_units(request: Request) -> set[str]:
    with request.app.state.engine.connect() as connection:
        return counting.known_units(connection)


def _unit_names(request: Request) -> dict[str, str]:
    return unit_values(request.app.state.engine, UNIT_NAME)
