"""The counter staff's side of the staff area: who may sign in, each account's PIN and
lockout, and the officer's shift. Reached as `core.staff`.

Every account ("it" or an officer's code) has its own lockout, kept in the store so that
it survives a restart: five wrong PINs for IT do not lock the officers out. Sign-ins,
wrong PINs, lockouts and shifts are written to the audit log here.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Literal

from kiosk.config import Counter
from kiosk.domain.pin import PinGuard
from kiosk.domain.shifts import Officer, Progress, Shift, ShiftSummary, overdue, yearly_target

if TYPE_CHECKING:
    from kiosk.core import KioskCore

log = logging.getLogger("kiosk")

IT = "it"  # the IT account's name beside the officers' codes

# The store modules import SQLAlchemy (~200 ms): they are imported in the methods, which
# run after the first frame, never while kiosk.core is imported before it.


def audit_quietly(core: KioskCore, actor: str, action: str, detail: str = "") -> None:
    """Write a staff action to the audit log; a disk problem must not stop the staff."""
    try:
        core.audit(actor, action, detail)
    except Exception:
        log.warning("audit entry not written: %s %s", actor, action)


class StaffDesk:
    """Officers and IT signing in, and the shift on duty (`core.shift`)."""

    def __init__(self, core: KioskCore):
        self.core = core
        self._guards: dict[str, PinGuard] = {}  # by account, loaded once from the store

    # --- who may sign in ---------------------------------------------------------------
    @property
    def officers(self) -> tuple[Officer, ...]:
        return self.core.config.officers

    @property
    def counters(self) -> tuple[Counter, ...]:
        return self.core.config.counters

    @property
    def it_pin_set(self) -> bool:
        """Whether config.yaml gives IT a PIN (without one, nobody can open the IT area)."""
        return bool(self.core.config.staff_pin_hash)

    def officer(self, code: str) -> Officer | None:
        return next((o for o in self.officers if o.code == code), None)

    # --- PINs --------------------------------------------------------------------------
    def pin_guard(self, account: str) -> PinGuard:
        """The PIN and lockout of one account as the store keeps them ("it" or an officer's
        code); raises when the store cannot be read."""
        from kiosk.store.answers import get_state

        engine = self.core.engine
        failures = int(get_state(engine, f"pin.{account}.failures") or 0)
        locked_until = float(get_state(engine, f"pin.{account}.locked_until") or 0)
        return self._fresh_guard(account, failures, locked_until)

    def guard(self, account: str) -> PinGuard:
        """The account's lockout as it stands now: read once from the store, then kept here
        (with a broken store it starts from zero, and the PIN still holds)."""
        if account not in self._guards:
            try:
                self._guards[account] = self.pin_guard(account)
            except Exception:
                self._guards[account] = self._fresh_guard(account)
        return self._guards[account]

    def locked_for(self, account: str, now: float) -> float:
        """Seconds the account stays locked after too many wrong PINs (0: not locked)."""
        return self.guard(account).locked_for(now)

    def attempts_left(self, account: str) -> int:
        """Wrong PINs the account may still type before it is locked."""
        guard = self.guard(account)
        return guard.max_attempts - guard.failures

    def try_pin(self, account: str, pin: str, now: float) -> Literal["ok", "wrong", "locked"]:
        """Check a PIN against the account's lockout, keep the lockout and audit the try."""
        guard = self.guard(account)
        outcome = guard.attempt(pin, now)
        if outcome == "locked":  # not checked, not a wrong PIN: the lockout still runs
            audit_quietly(self.core, account, "locked")
            return outcome
        self._remember(account, guard)
        audit_quietly(self.core, account, "sign_in" if outcome == "ok" else "wrong_pin")
        return outcome

    def _fresh_guard(self, account: str, failures: int = 0, locked_until: float = 0) -> PinGuard:
        config = self.core.config
        officer = self.officer(account) if account != IT else None
        stored = officer.pin_hash if officer else config.staff_pin_hash
        return PinGuard(
            stored, config.pin_max_attempts, config.pin_lockout_s, failures, locked_until
        )

    def _remember(self, account: str, guard: PinGuard) -> None:
        from kiosk.store.answers import set_state

        try:
            engine = self.core.engine
            set_state(engine, f"pin.{account}.failures", str(guard.failures))
            set_state(engine, f"pin.{account}.locked_until", str(guard.locked_until))
        except Exception:  # the store may be what is broken: the lockout holds in memory
            log.warning("PIN lockout state could not be saved")

    # --- the shift on duty -------------------------------------------------------------
    @property
    def shift(self) -> Shift | None:
        return self.core.shift

    def counter_now(self) -> str:
        """The counter answers are taken for: the shift's, else config.yaml's."""
        shift = self.core.shift
        return shift.counter if shift else self.core.config.counter

    def start_shift(self, officer: str, counter: str) -> Shift:
        """Put an officer on duty at a counter (ending anyone else's shift); audited."""
        from kiosk.store.shifts import start_shift

        before = self.core.shift
        if before is not None and before.officer != officer:
            audit_quietly(self.core, before.officer, "shift_ended_by_next", officer)
        shift = Shift(officer, counter, datetime.now(timezone.utc))
        start_shift(self.core.engine, shift)
        self.core.shift = shift
        log.info("shift started: officer %s at counter %s", officer, counter)
        audit_quietly(self.core, officer, "shift_start", counter)
        return shift

    def end_shift(self, by: str | None) -> ShiftSummary | None:
        """End the shift on duty; its summary (None when nobody was on duty). Audited as
        `by`'s action; None when the working day ended it."""
        from kiosk.store.shifts import end_shift

        ending = self.core.shift
        summary = self.summary()
        end_shift(self.core.engine)
        if ending is not None:
            log.info("shift ended: officer %s", ending.officer)
        self.core.shift = None
        if by is not None:
            audit_quietly(self.core, by, "shift_end", ending.officer if ending else "")
        return summary

    def end_shift_if_day_is_over(self) -> str | None:
        """End a shift left open past the working day (audited as the system's action); the
        officer's code if one was."""
        shift, config = self.core.shift, self.core.config
        now = datetime.now(timezone.utc)
        if shift and overdue(shift, now, config.end_of_day, config.integrity):
            self.end_shift(None)
            audit_quietly(self.core, "system", "shift_end_of_day", shift.officer)
            return shift.officer
        return None

    def summary(self) -> ShiftSummary | None:
        """What the officer may see of the shift on duty: counts only."""
        from kiosk.store.shifts import summarize

        if self.core.shift is None:
            return None
        config = self.core.config
        target = yearly_target(config.yearly_dossiers)
        now = datetime.now(timezone.utc)
        liked = self.core.form.satisfied_verdicts
        return summarize(self.core.engine, self.core.shift, now, config.integrity, target, liked)

    def progress(self) -> Progress:
        """This tablet's complete answers this year and month against the yearly minimum."""
        from kiosk.store.shifts import progress

        config = self.core.config
        target = yearly_target(config.yearly_dossiers)
        now = datetime.now(timezone.utc)
        return progress(self.core.engine, now, config.integrity, target)
