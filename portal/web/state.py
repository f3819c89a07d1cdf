"""The web survey's state between pages, kept by the browser: no session on the server.

Each page hands the browser the state in a hidden field, signed with HMAC-SHA256 and the
portal's web secret (portal/store/settings.py `web_secret`: one for every worker and
every restart), and believes only a state that comes back with its signature. A state
says when it was signed: one older than `STATE_TTL_S` is stale (a page left open for
hours), one signed in the future is forged. Either way nothing is stored from it.

The state holds no personal data in clear: the phone number is sealed to the portal's
public key before it goes in (portal/web/storing.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import asdict, dataclass, field

# Between two pages. A first-time reader takes about 5 minutes over the whole long form
# (279-301 s by the kiosk's reading model, kiosk/domain/reading.py, in benchmarks/long_form.py;
# its longest page, Q16, ~51 s): an hour spares one called to the counter meanwhile.
STATE_TTL_S = 3600
CLOCK_SLACK_S = 300  # workers' clocks may differ a little
_DOMAIN = b"kiosk-hai-long web survey state v1\n"  # a signature for this use only

# Where the citizen is: the identification page, the quick form, the offer of the long
# form (the quick answer is stored), the long form, thanked (nothing more to send).
IDENT, QUICK, OFFER, LONG, DONE = "ident", "quick", "offer", "long", "done"

Given = list[object]  # [value, other_text]: value a choice id, several ids, or text


class BadState(Exception):
    """A state that is not ours (`stale` False) or that is too old (`stale` True)."""

    def __init__(self, stale: bool, state: SurveyState | None = None) -> None:
        super().__init__("stale" if stale else "forged")
        self.stale, self.state = stale, state


@dataclass(frozen=True)
class SurveyState:
    """One citizen's survey as far as it went: where, in which language, at which stage,
    the answer being given (its UUID, start, answers so far, the step shown), and the forms
    it began with (id and version: a version registered meanwhile changes no survey under
    way; "" before the survey begins)."""

    unit: str
    counter: str
    language: str = "vi"
    stage: str = IDENT
    uuid: str = ""
    started: float = 0.0  # epoch seconds: when the current form began
    dossier: str = ""
    sealed: str | None = None  # the phone, sealed (base64); None: not given
    answers: dict[str, Given] = field(default_factory=dict)
    position: int = 0  # the step shown, in the form's applicable steps
    follows: str | None = None  # in the long form: the stored quick answer's UUID
    quick_form: str = ""
    quick_version: int = 0
    long_form: str = ""  # "": the unit's web survey offers no long form
    long_version: int = 0

    def form_key(self, long: bool) -> tuple[str, int]:
        """The (id, version) of its quick or long form."""
        if long:
            return self.long_form, self.long_version
        return self.quick_form, self.quick_version


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# A token is two parts of unpadded base64url and a dot between them, nothing else: the
# decoder alone would skip characters outside the alphabet and read junk after the
# signature as nothing.
_TOKEN = re.compile(r"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)", re.ASCII)


def _unb64(text: str) -> bytes:
    """Unpadded base64url decoded strictly: one spelling per byte string (the unused low
    bits of the last character must be zero, as _b64 writes them)."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not the canonical spelling")
    return data


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, _DOMAIN + payload, hashlib.sha256).digest()


def sign(state: SurveyState, secret: bytes, now: float | None = None) -> str:
    """The state as the hidden field carries it: payload "." signature."""
    body = asdict(state) | {"signed_at": int(now if now is not None else time.time())}
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def verify(token: str, secret: bytes, now: float | None = None) -> SurveyState:
    """The state a page sent back; BadState when it is not signed by this portal, or stale."""
    moment = now if now is not None else time.time()
    parts = _TOKEN.fullmatch(token)
    if parts is None:
        raise BadState(stale=False)
    try:
        raw, mac = _unb64(parts[1]), _unb64(parts[2])
    except (binascii.Error, ValueError):
        raise BadState(stale=False) from None
    if not hmac.compare_digest(mac, _mac(secret, raw)):
        raise BadState(stale=False)
    body = json.loads(raw)  # ours: signed by this portal
    try:
        signed_at = int(body.pop("signed_at"))
        state = SurveyState(**body)
    except (KeyError, TypeError, ValueError):  # signed by an older release of these pages
        raise BadState(stale=True) from None
    if signed_at > moment + CLOCK_SLACK_S:
        raise BadState(stale=False)
    if moment - signed_at > STATE_TTL_S:
        raise BadState(stale=True, state=state)
    return state
