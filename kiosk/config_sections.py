"""Reading config.yaml's sections: a section and its keys, a number within bounds, and the
policy sections (identification, integrity) read into the domain's policies.

Every problem goes to the `Checker`, with the file, the line and the key (kiosk.config).
"""

from __future__ import annotations

import re
from datetime import time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from kiosk.domain.identification import FIELDS, IdentificationPolicy
from kiosk.domain.integrity import DAYS, IntegrityPolicy, OpeningHours
from kiosk.domain.patterns import backtracks
from kiosk.domain.validators import DEFAULT_DOSSIER_PATTERN
from kiosk.domain.yamlfile import Checker, YMap

MAX_PATTERN_LENGTH = 200  # the national style is 35 characters

Number = TypeVar("Number", int, float)


def read_section(check: Checker, data: YMap, key: str, allowed: set[str]) -> YMap:
    """A mapping's section, its unknown keys reported; an empty one where it is absent."""
    value = check.get(data, key, dict, required=False)
    if value is None:
        empty = YMap()
        empty.line, empty.key_lines = data.line_of(key), {}
        return empty
    check.unknown_keys(value, allowed, key)
    return value


def ranged(
    check: Checker,
    mapping: YMap,
    key: str,
    kind: type[Number],
    path: str,
    default: Number,
    bounds: tuple[float, float],
) -> Number:
    """An optional number within bounds (a negative lockout would lock nobody out)."""
    value = check.get(mapping, key, kind, path, required=False, default=default)
    if not bounds[0] <= value <= bounds[1]:
        check.problem(mapping, f"{path}.{key}", "bad_range", low=bounds[0], high=bounds[1])
        return default
    return value


def read_identification(check: Checker, data: YMap) -> IdentificationPolicy:
    allowed = {
        "fields",
        "required",
        "one_of",
        "allow_skip",
        "dossier_code_pattern",
        "dossier_code_prefix",
    }
    section = read_section(check, data, "identification", allowed)
    defaults = IdentificationPolicy()
    lists = {}
    for key in ("fields", "required", "one_of"):
        value = check.get(section, key, list, "identification", False, list(getattr(defaults, key)))
        bad = [v for v in value if v not in FIELDS]
        if bad:
            check.problem(section, f"identification.{key}", "bad_choice", allowed=", ".join(FIELDS))
        lists[key] = tuple(v for v in value if v in FIELDS)
    for key in ("required", "one_of"):
        if any(v not in lists["fields"] for v in lists[key]):
            check.problem(section, f"identification.{key}", "not_in_fields")
    pattern = check.get(
        section, "dossier_code_pattern", str, "identification", False, DEFAULT_DOSSIER_PATTERN
    )
    pattern = _read_pattern(check, section, pattern)
    return IdentificationPolicy(
        fields=lists["fields"],
        required=lists["required"],
        one_of=lists["one_of"],
        allow_skip=check.get(
            section, "allow_skip", bool, "identification", False, defaults.allow_skip
        ),
        dossier_pattern=pattern,
        dossier_prefix=_read_dossier_prefix(check, section),
    )


def _read_pattern(check: Checker, section: YMap, pattern: str) -> str:
    """A dossier-code pattern that compiles and cannot hang the tablet (kiosk.domain.patterns)."""
    key = "identification.dossier_code_pattern"
    if len(pattern) > MAX_PATTERN_LENGTH:
        check.problem(section, key, "too_long", limit=MAX_PATTERN_LENGTH)
        return DEFAULT_DOSSIER_PATTERN
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        check.problem(section, key, "bad_regex", error=str(exc))
        return DEFAULT_DOSSIER_PATTERN
    if backtracks(pattern):
        check.problem(section, key, "slow_regex", pattern=pattern)
        return DEFAULT_DOSSIER_PATTERN
    return pattern


def _read_dossier_prefix(check: Checker, section: YMap) -> str:
    prefix = check.get(section, "dossier_code_prefix", str, "identification", False, "")
    if len(prefix) > 40 or not re.fullmatch(r"[0-9A-Za-z.\-]*", prefix):
        check.problem(section, "identification.dossier_code_prefix", "bad_dossier_prefix")
        return ""
    return prefix.upper()


def read_integrity(check: Checker, data: YMap) -> IntegrityPolicy:
    allowed = {
        "timezone",
        "min_interval_s",
        "burst_count",
        "burst_window_s",
        "opening_hours",
        "closed_outside_hours",
        "require_identification",
        "repeat_id_per_day",
    }
    section = read_section(check, data, "integrity", allowed)
    default = IntegrityPolicy()

    def value(key: str, kind: type) -> Any:
        return check.get(section, key, kind, "integrity", False, getattr(default, key))

    def count(key: str, kind: type[Number], high: float) -> Number:
        return ranged(check, section, key, kind, "integrity", getattr(default, key), (0, high))

    zone = value("timezone", str)
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        check.problem(section, "integrity.timezone", "bad_timezone", zone=zone)
        zone = default.timezone
    hours = default.opening_hours
    if "opening_hours" in section:
        hours = _read_opening_hours(check, section)
    return IntegrityPolicy(
        timezone=zone,
        min_interval_s=count("min_interval_s", float, 86400),
        burst_count=count("burst_count", int, 10**6),
        burst_window_s=count("burst_window_s", float, 86400),
        opening_hours=hours,
        closed_outside_hours=value("closed_outside_hours", bool),
        require_identification=value("require_identification", bool),
        repeat_id_per_day=count("repeat_id_per_day", int, 10**6),
    )


def _read_opening_hours(check: Checker, section: YMap) -> OpeningHours | None:
    """`opening_hours: always`, or {days: [mon, ...], periods: ["07:30-11:30", ...]}."""
    raw = section.get("opening_hours")
    if raw == "always":
        return None
    if not isinstance(raw, YMap):
        check.problem(section, "integrity.opening_hours", "bad_opening_hours")
        return OpeningHours()
    days = raw.get("days", list(DAYS[:5]))
    periods = []
    for text in raw.get("periods", []) if isinstance(raw.get("periods"), list) else [None]:
        match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", str(text))
        hours = [int(g) for g in match.groups()] if match else []
        if not match or not (hours[0] * 60 + hours[1] < hours[2] * 60 + hours[3] <= 24 * 60):
            check.problem(raw, "integrity.opening_hours.periods", "bad_opening_hours")
            continue
        end = time(23, 59, 59) if hours[2] == 24 else time(hours[2], hours[3])
        periods.append((time(hours[0], hours[1]), end))
    if not isinstance(days, list) or any(d not in DAYS for d in days):
        check.problem(raw, "integrity.opening_hours.days", "bad_choice", allowed=", ".join(DAYS))
        days = list(DAYS[:5])
    return OpeningHours(frozenset(DAYS.index(d) for d in days), tuple(periods))
