"""The devices page: each tablet's health, silent tablets standing out, revoking one.

For IT and the province only (a unit head or a re-verifier gets 403), and only the tablets
of the units the viewer is given. Revoking asks first, on a page of its own that says what
it does (the tablet can send nothing more, and must be enrolled anew to be used again),
then posts with the session's CSRF token; every revocation is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from portal.dashboard import events
from portal.dashboard.accounts import IT, PROVINCE, Viewer
from portal.dashboard.devices_health import (
    DeviceRow,
    device_health,
    hours_words,
    utc_now,
)
from portal.dashboard.web import PREFIX, Posted, address, allow, checked, config_of, page
from portal.devices import revoke_device
from portal.store.models import Device

router = APIRouter(include_in_schema=False)

DEVICES = f"{PREFIX}/thiet-bi"
DEVICE_REVOKED = "device_revoked"
MAX_ID = 64  # Device.id's length

Staff = Annotated[Viewer, Depends(allow(IT, PROVINCE))]


def sees_device_unit(person: Viewer, unit: str) -> bool:
    """May `person` see this unit's tablets? (An IT account given no unit looks after every
    tablet: its Viewer's units are None, as the province's.)"""
    return person.sees_devices(unit)


@router.get(DEVICES)
def devices(request: Request, person: Staff, unit: str = "", revoked: str = "") -> Response:
    """Every tablet the viewer may see (of one unit with ?unit=)."""
    unit = unit.strip()[:MAX_ID]
    if unit and not sees_device_unit(person, unit):
        raise HTTPException(404)
    config = config_of(request)
    health = device_health(
        request.app.state.engine,
        config,
        utc_now(),
        lambda code: sees_device_unit(person, code),
        unit,
    )
    just_revoked = next((r for r in health.revoked if r.device_id == revoked), None)
    context = {
        "health": health,
        "unit": unit,
        "limit": config.device_silent_minutes,
        "hours": hours_words(config),
        "just_revoked": just_revoked,
    }
    return page("devices.html", person, context)


@router.get(DEVICES + "/{device_id}/thu-hoi")
def revoke_page(request: Request, person: Staff, device_id: str) -> Response:
    """What revoking does, and the button that does it."""
    found = _device_row(request, person, device_id)
    if found is None:
        return _refused(person, device_id, "unknown", 404)
    if found.revoked:
        return _refused(person, device_id, "revoked", 409, found)
    return page("devices_revoke.html", person, {"device": found, "problem": ""})


@router.post(DEVICES + "/{device_id}/thu-hoi")
def revoke(request: Request, person: Staff, fields: Posted, device_id: str) -> Response:
    """Revoke a tablet: its requests are refused from now on; audited with who and where."""
    checked(person, fields)
    engine = request.app.state.engine
    found = _device_row(request, person, device_id)
    if found is None:
        return _refused(person, device_id, "unknown", 404)
    if found.revoked or not revoke_device(engine, device_id):
        return _refused(person, device_id, "revoked", 409, found)
    events.record(
        engine, person.name, DEVICE_REVOKED, found.unit, detail=device_id, address=address(request)
    )
    return RedirectResponse(f"{DEVICES}?revoked={device_id}", 303)


def _device_row(request: Request, person: Viewer, device_id: str) -> DeviceRow | None:
    """The tablet as the page shows it; None when unknown or of a unit not given (the same
    answer, so that the page does not tell which tablets exist elsewhere)."""
    if not device_id or len(device_id) > MAX_ID:
        return None
    engine = request.app.state.engine
    with Session(engine) as session:
        device = session.get(Device, device_id)
        unit = device.unit_code if device is not None else ""
    if not unit or not sees_device_unit(person, unit):
        return None
    health = device_health(
        engine, config_of(request), utc_now(), lambda code: code == unit, unit=unit
    )
    rows = [r for r in health.active + health.revoked if r.device_id == device_id]
    return rows[0] if rows else None


def _refused(
    person: Viewer, device_id: str, problem: str, status: int, found: DeviceRow | None = None
) -> Response:
    context: dict[str, object] = {"device": found, "device_id": device_id[:MAX_ID]}
    context["problem"] = problem
    return page("devices_revoke.html", person, context, status)
