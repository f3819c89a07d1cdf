"""`python -m portal stats`, computed: per unit and form, answers stored, duplicates,
conflicts, rejected, and how many *count*: stored answers without integrity flags. A
dossier rated on two tablets (both maybe offline at the time) counts once, by the verdict
finished first, whichever unit or channel gave it; intake flags the later ones
duplicate_dossier (portal/store/answer_facts.py), as `portal report` reads them.
Flagged answers are kept and listed by flag, never deleted (kiosk/domain/integrity.py).

Pure functions over what portal/reports/queries.py read: no database here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.domain.shifts import yearly_target

UnitForm = tuple[str, str]
EVENT_KINDS = ("duplicate", "conflict", "rejected")


@dataclass(frozen=True)
class DeviceState:
    """A device as enrolled, with its latest heartbeat (None: none came yet)."""

    device_id: str
    unit_code: str
    counter: str
    revoked: bool
    last_seen: datetime | None
    outbox_depth: int | None
    clock_offset_s: float | None
    last_error: str | None
    set_aside: int | None
    set_aside_reasons: dict[str, int]


@dataclass(frozen=True)
class Facts:
    """What the report is computed from, as read from the store."""

    stored: list[tuple[str, str, str, int]]  # unit, form, channel, answers stored
    events: list[tuple[str, str, str, int]]  # unit, form, kind, answers not stored
    flagged: list[tuple[str, str, str, int]]  # unit, form, flags (comma-joined), answers
    devices: list[DeviceState]
    yearly_dossiers: dict[str, int] = field(default_factory=dict)  # per unit


def summarise(facts: Facts) -> dict:
    """The report: {"units": [...], "devices": [...]}, as `portal stats --json` prints it."""
    rows: dict[UnitForm, dict[str, int]] = {}
    channels: dict[UnitForm, dict[str, int]] = {}
    for unit, form, channel, count in facts.stored:
        counts = rows.setdefault((unit, form), {})
        counts["stored"] = counts.get("stored", 0) + count
        channels.setdefault((unit, form), {})[channel] = count
    for unit, form, kind, count in facts.events:
        rows.setdefault((unit, form), {})[kind] = count
    flagged = count_flags(facts.flagged)
    targets = unit_targets(facts.yearly_dossiers)
    units = [
        _unit_row(unit, form, counts, flagged.get((unit, form), {}), targets.get(unit, {}))
        | {"channels": dict(sorted(channels.get((unit, form), {}).items()))}
        for (unit, form), counts in sorted(rows.items())
    ]
    return {"units": units, "devices": [_device(state) for state in facts.devices]}


def _unit_row(
    unit: str, form: str, counts: dict[str, int], flagged: dict[str, int], target: dict[str, int]
) -> dict:
    row: dict[str, object] = {"unit_code": unit, "form_id": form}
    row |= {kind: counts.get(kind, 0) for kind in ("stored", *EVENT_KINDS)}
    row |= {
        "counted": counts.get("stored", 0) - flagged.get("", 0),
        "not_counted": flagged.get("", 0),
        "flagged": {flag: n for flag, n in sorted(flagged.items()) if flag},
    }
    return row | target


def count_flags(flagged: list[tuple[str, str, str, int]]) -> dict[UnitForm, dict[str, int]]:
    """Per (unit, form): answers per flag, and under "" those with any flag at all."""
    result: dict[UnitForm, dict[str, int]] = {}
    for unit, form, flags, count in flagged:
        counts = result.setdefault((unit, form), {})
        for flag in filter(None, flags.split(",")):
            counts[flag] = counts.get(flag, 0) + count
        counts[""] = counts.get("", 0) + count
    return result


def unit_targets(yearly_dossiers: dict[str, int]) -> dict[str, dict[str, int]]:
    """Per unit with a dossier count: decision 2223's minimum for the year."""
    return {
        unit: {"yearly_dossiers": dossiers, "target": yearly_target(dossiers)}
        for unit, dossiers in yearly_dossiers.items()
    }


def _device(state: DeviceState) -> dict:
    return {
        "device_id": state.device_id,
        "unit_code": state.unit_code,
        "counter": state.counter,
        "revoked": state.revoked,
        "last_seen": state.last_seen.isoformat() + "Z" if state.last_seen else None,
        "outbox_depth": state.outbox_depth,
        "clock_offset_s": state.clock_offset_s,
        "last_error": state.last_error,
        "set_aside": state.set_aside,
        "set_aside_reasons": state.set_aside_reasons,
    }
