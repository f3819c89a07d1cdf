"""Sign-in, sign-out and the dashboard's home, which sends each role to its first page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from portal.dashboard import events
from portal.dashboard.accounts import IT, PROVINCE, UNIT_HEAD, VERIFIER, sign_in, sign_out
from portal.dashboard.web import (
    COOKIE,
    PREFIX,
    SIGN_IN_PATH,
    Posted,
    SignedIn,
    address,
    checked,
    config_of,
    page,
)

router = APIRouter(include_in_schema=False)

# Each role's first page: the results for those who read them, the rest their own work.
HOME = {
    PROVINCE: f"{PREFIX}/ket-qua",
    UNIT_HEAD: f"{PREFIX}/ket-qua",
    VERIFIER: f"{PREFIX}/phuc-tra",
    IT: f"{PREFIX}/thiet-bi",
}


@router.get(PREFIX)
@router.get(PREFIX + "/")
def home(person: SignedIn) -> Response:
    return RedirectResponse(HOME[person.role], 303)


@router.get(SIGN_IN_PATH)
def sign_in_page(next: str = "") -> Response:
    return page("signin.html", None, {"next": _safe_next(next), "refused": "", "name": ""})


@router.post(SIGN_IN_PATH)
def sign_in_post(request: Request, fields: Posted) -> Response:
    engine, config = request.app.state.engine, config_of(request)
    name, password = fields.get("name", "").strip()[:64], fields.get("password", "")[:200]
    result = sign_in(engine, name, password, config)
    wanted = _safe_next(fields.get("next", ""))
    if result.refused:
        action = events.LOCKED_OUT if result.refused == "locked" else events.SIGN_IN_REFUSED
        events.record(engine, name, action, address=address(request))
        context = {
            "next": wanted,
            "refused": result.refused,
            "name": name,
            "minutes": config.lockout_minutes,
        }
        status = {"wrong": 401, "locked": 429, "busy": 503}[result.refused]
        headers = {"Retry-After": "10"} if result.refused == "busy" else None
        return page("signin.html", None, context, status=status, headers=headers)
    events.record(engine, name, events.SIGNED_IN, address=address(request))
    response = RedirectResponse(wanted or PREFIX + "/", 303)
    response.set_cookie(
        COOKIE,
        result.token,
        max_age=config.session_hours * 3600,
        httponly=True,
        samesite="strict",
        secure=config.secure_cookies,
        path=PREFIX,
    )
    return response


@router.post(PREFIX + "/dang-xuat")
def sign_out_post(request: Request, person: SignedIn, fields: Posted) -> Response:
    checked(person, fields)
    sign_out(request.app.state.engine, request.cookies.get(COOKIE, ""))
    events.record(
        request.app.state.engine, person.name, events.SIGNED_OUT, address=address(request)
    )
    response = RedirectResponse(SIGN_IN_PATH, 303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


def _safe_next(wanted: str) -> str:
    """Only a page of the dashboard itself: never another site (an open redirect)."""
    if wanted.startswith(PREFIX + "/") and "//" not in wanted and "\\" not in wanted:
        return wanted[:500]
    return ""
