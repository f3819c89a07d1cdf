"""Dashboard accounts: who may sign in, with which role and units, and their sessions.

Roles (ROLES): the province sees every unit; a unit head their units; a re-verifier the
units assigned to them (and only there opens a sampled answer's phone); IT the devices
and no answer. `Viewer.units` is None for "every unit".

Passwords are kept as scrypt (memory-hard, in Python's standard library: nothing to
build on the portal's server), salted, with its parameters in the stored string so they
can be raised later. After `lockout_attempts` wrong passwords in a row the account waits
`lockout_minutes`, whatever is typed. A session is a random cookie whose SHA-256 alone is
kept, with its CSRF token; it ends when unused for `session_idle_minutes` and after
`session_hours` in any case.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, Engine, delete, or_, select, update
from sqlalchemy.orm import Session

from portal.dashboard.config import DashboardConfig
from portal.store.dashboard_tables import User, UserUnit, WebSession

PROVINCE, UNIT_HEAD, VERIFIER, IT = "province", "unit_head", "verifier", "it"
ROLES = (PROVINCE, UNIT_HEAD, VERIFIER, IT)
ROLE_NAMES = {
    PROVINCE: "Sở Nội vụ (toàn tỉnh)",
    UNIT_HEAD: "Lãnh đạo đơn vị",
    VERIFIER: "Cán bộ phúc tra",
    IT: "Kỹ thuật (thiết bị)",
}
MIN_PASSWORD = 10
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}  # 32 MiB of memory per hash
_MAXMEM = 64 * 1024 * 1024


class AccountError(ValueError):
    """A user that cannot be added or changed, in Vietnamese."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, as every page asks: who, which role, which units."""

    name: str
    role: str
    units: frozenset[str] | None  # None: every unit (the province)
    csrf: str = ""

    def sees(self, unit: str) -> bool:
        """May this person see `unit`'s answers? IT sees none."""
        if self.role == IT:
            return False
        return self.units is None or unit in self.units

    def sees_devices(self, unit: str) -> bool:
        return self.role in (IT, PROVINCE) and (self.units is None or unit in self.units)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, maxmem=_MAXMEM, dklen=32, **_SCRYPT)
    params = f"n={_SCRYPT['n']},r={_SCRYPT['r']},p={_SCRYPT['p']}"
    return f"scrypt${params}${_b64(salt)}${_b64(digest)}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, params, salt, digest = stored.split("$")
        numbers = {k: int(v) for k, v in (part.split("=") for part in params.split(","))}
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    found = hashlib.scrypt(
        password.encode(),
        salt=base64.b64decode(salt),
        maxmem=_MAXMEM,
        dklen=len(expected),
        n=numbers["n"],
        r=numbers["r"],
        p=numbers["p"],
    )
    return hmac.compare_digest(found, expected)


# A hash to check when the name is unknown, so that a wrong name takes as long as a wrong
# password: the time of an answer does not tell which names exist.
_DECOY = hash_password(secrets.token_urlsafe(16))


def add_user(engine: Engine, name: str, role: str, units: list[str], password: str) -> None:
    """Add an account; AccountError when the name, role, units or password will not do."""
    _check(name, role, units, password)
    with Session(engine) as session, session.begin():
        if session.get(User, name) is not None:
            raise AccountError(f"Đã có tài khoản {name}.")
        session.add(
            User(name=name, role=role, password_hash=hash_password(password), created_at=_now())
        )
        session.flush()
        session.add_all(UserUnit(user_name=name, unit_code=unit) for unit in sorted(set(units)))


def set_password(engine: Engine, name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    with Session(engine) as session, session.begin():
        user = session.get(User, name)
        if user is None:
            raise AccountError(f"Không có tài khoản {name}.")
        user.password_hash = hash_password(password)
        user.failed_signins, user.locked_until = 0, None
        session.execute(delete(WebSession).where(WebSession.user_name == name))


def disable_user(engine: Engine, name: str) -> None:
    with Session(engine) as session, session.begin():
        user = session.get(User, name)
        if user is None:
            raise AccountError(f"Không có tài khoản {name}.")
        user.disabled_at = _now()
        session.execute(delete(WebSession).where(WebSession.user_name == name))


def list_users(engine: Engine) -> list[tuple[str, str, list[str], bool]]:
    """(name, role, units, disabled) of every account."""
    with Session(engine) as session:
        users = session.scalars(select(User).order_by(User.name)).all()
        units = session.execute(select(UserUnit.user_name, UserUnit.unit_code)).all()
    given: dict[str, list[str]] = {}
    for user_name, unit in units:
        given.setdefault(user_name, []).append(unit)
    return [
        (u.name, u.role, sorted(given.get(u.name, [])), u.disabled_at is not None) for u in users
    ]


def _check(name: str, role: str, units: list[str], password: str) -> None:
    if not name or len(name) > 64 or not name.isprintable() or " " in name:
        raise AccountError("Tên đăng nhập: 1–64 ký tự, không có dấu cách.")
    if role not in ROLES:
        raise AccountError(f"Vai trò {role!r} không có; có: {', '.join(ROLES)}.")
    if role in (UNIT_HEAD, VERIFIER) and not units:
        raise AccountError("Lãnh đạo đơn vị và cán bộ phúc tra cần ít nhất một đơn vị (--unit).")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")


@dataclass(frozen=True)
class SignIn:
    """What a sign-in came to: a session cookie, or why not."""

    token: str = ""
    refused: str = ""  # "wrong", "locked" or "busy"
    locked_until: datetime | None = None


def sign_in(engine: Engine, name: str, password: str, config: DashboardConfig) -> SignIn:
    """Check a password, counting every attempt before it is checked; a session when right.

    The attempt is counted first, in one UPDATE: guesses sent at once each take their own
    number, and those past the limit lock the account without being checked (counted
    after checking, thirty parallel guesses had all been checked). A name the portal does
    not know is counted and locked the same way, in memory, so that neither the answer
    nor its time tells which names exist. At most HASHING_AT_ONCE passwords are checked at
    a time (32 MiB each); past that the sign-in is "busy", never a queue of threads.
    """
    now = _now()
    claim = _claim(engine, name, now, config)
    if claim.refused:
        return claim
    if not _HASHING.acquire(timeout=HASHING_WAIT_S):
        return SignIn(refused="busy")
    try:
        right = password_matches(password, claim.token or _DECOY) and bool(claim.token)
    finally:
        _HASHING.release()
    if not right:
        return _wrong(engine, name, claim.locked_until, now, config)
    return SignIn(token=_new_session(engine, name, now, config))


HASHING_AT_ONCE = 4
HASHING_WAIT_S = 5.0
_HASHING = threading.BoundedSemaphore(HASHING_AT_ONCE)


class _Strangers:
    """Attempts on names the portal does not know, counted as a known name's are (in this
    process; at most MAX names, the oldest forgotten first)."""

    MAX = 10_000

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: OrderedDict[str, tuple[int, datetime | None]] = OrderedDict()

    def claim(self, name: str, now: datetime, config: DashboardConfig) -> SignIn:
        with self.lock:
            count, until = self.counts.pop(name, (0, None))
            if until is not None and until > now:
                self.counts[name] = (count, until)
                return SignIn(refused="locked", locked_until=until)
            count += 1
            if count > config.lockout_attempts:
                until, count = now + timedelta(minutes=config.lockout_minutes), 0
            self.counts[name] = (count, until if count == 0 else None)
            while len(self.counts) > self.MAX:
                self.counts.popitem(last=False)
        if count == 0:
            return SignIn(refused="locked", locked_until=until)
        # Checked against the decoy, then refused as wrong (or locked at the limit).
        return SignIn(locked_until=None if count < config.lockout_attempts else now)

    def forget(self) -> None:
        with self.lock:
            self.counts.clear()


_STRANGERS = _Strangers()


def _claim(engine: Engine, name: str, now: datetime, config: DashboardConfig) -> SignIn:
    """Count an attempt on `name` before checking it. SignIn.refused "locked" when it may not
    be checked; else SignIn.token is the stored hash ("" for a name not known) and
    locked_until is set when this attempt, if wrong, locks the account."""
    free = or_(User.locked_until.is_(None), User.locked_until <= now)
    counted = (
        update(User)
        .where(User.name == name, User.disabled_at.is_(None), free)
        .values(failed_signins=User.failed_signins + 1)
        .returning(User.failed_signins, User.password_hash)
    )
    with engine.begin() as connection:
        row = connection.execute(counted).first() if name else None
        if row is None:
            found = connection.execute(
                select(User.locked_until, User.disabled_at).where(User.name == name)
            ).first()
            if found is None or found.disabled_at is not None:
                return _STRANGERS.claim(name, now, config)
            return SignIn(refused="locked", locked_until=found.locked_until)
        count, stored = row
        if count > config.lockout_attempts:  # guesses in flight past the limit
            until = _lock(connection, name, now, config)
            return SignIn(refused="locked", locked_until=until)
    last = count >= config.lockout_attempts
    return SignIn(token=stored, locked_until=now if last else None)


def _wrong(
    engine: Engine, name: str, last: datetime | None, now: datetime, config: DashboardConfig
) -> SignIn:
    """A wrong password: the attempt is counted already; the last one allowed locks."""
    if last is None:
        return SignIn(refused="wrong")
    with engine.begin() as connection:
        until = _lock(connection, name, now, config)
    return SignIn(refused="locked", locked_until=until)


def _lock(connection: Connection, name: str, now: datetime, config: DashboardConfig) -> datetime:
    until = now + timedelta(minutes=config.lockout_minutes)
    connection.execute(
        update(User).where(User.name == name).values(locked_until=until, failed_signins=0)
    )
    return until


def _new_session(engine: Engine, name: str, now: datetime, config: DashboardConfig) -> str:
    token = secrets.token_urlsafe(32)
    with Session(engine) as session, session.begin():
        user = session.get(User, name)
        if user is not None:
            user.failed_signins, user.locked_until = 0, None
        session.add(
            WebSession(
                token_hash=_token_hash(token),
                user_name=name,
                csrf=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + timedelta(minutes=config.session_idle_minutes),
                ends_at=now + timedelta(hours=config.session_hours),
            )
        )
    return token


def viewer_of(engine: Engine, token: str, config: DashboardConfig) -> Viewer | None:
    """The person a session cookie belongs to, its idle expiry moved on; None when the
    cookie is unknown, expired or its account disabled."""
    if not token or len(token) > 100:
        return None
    now = _now()
    with Session(engine) as session, session.begin():
        web_session = session.get(WebSession, _token_hash(token))
        if web_session is None:
            return None
        if web_session.expires_at <= now or web_session.ends_at <= now:
            session.delete(web_session)
            return None
        user = session.get(User, web_session.user_name)
        if user is None or user.disabled_at is not None:
            return None
        idle = now + timedelta(minutes=config.session_idle_minutes)
        if idle - web_session.expires_at > timedelta(minutes=1):  # a write a minute at most
            web_session.expires_at = min(idle, web_session.ends_at)
        units = frozenset(
            session.scalars(select(UserUnit.unit_code).where(UserUnit.user_name == user.name))
        )
        # The province sees every unit; so does IT given none (the province's IT staff).
        every = user.role == PROVINCE or (user.role == IT and not units)
        given = None if every else units
        return Viewer(user.name, user.role, given, web_session.csrf)


def sign_out(engine: Engine, token: str) -> None:
    with Session(engine) as session, session.begin():
        session.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
