"""What staff and IT do with the kiosk, below the screens and the commands.

`core.staff` (kiosk/operations/staff.py) signs officers and IT in with a PIN per account
and keeps the officer's shift; `core.it` (kiosk/operations/it.py) shows the status, exports,
tests the portal, enrols by QR code, sends set-aside answers again and reads the log.
kiosk/operations/setup.py holds what commands do before a store exists (check the config,
apply an enrolment file). The staff screen and `python -m kiosk` / `python -m sync` only
draw or print and call these; every staff action is audited here.

Nothing here imports Kivy; the store and HTTP are imported where they are used (see each).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outcome:
    """How an operation ended, for a screen or a command to put into words: a locale key
    with its parameters, and whether it is a problem (else a notice)."""

    ok: bool
    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def words(self, translate: Callable[..., str]) -> str:
        return translate(self.key, **self.params)
