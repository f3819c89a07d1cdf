"""Reading config.yaml's sections: a section and its keys, a number within bounds, a form
file, and the policy sections (identification, integrity, the long form) read into values.

Every problem goes to the `Checker`, with the file, the line and the key (kiosk.config).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from kiosk.domain.identification import FIELDS, IdentificationPolicy
from kiosk.domain.integrity import DAYS, IntegrityPolicy, OpeningHours
from kiosk.domain.patterns import backtracks
from kiosk.domain.validators import DEFAULT_DOSSIER_PATTERN
from kiosk.domain.yamlfile import Checker, YMap
from kiosk.resources import ASSETS

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


def read_form_path(
    check: Checker, mapping: YMap, key: str, config_path: Path, default: str, where: str = ""
) -> Path:
    """A form named by `key`: a file under assets/forms/ (without .yaml), or a path beside
    the config file. A name that finds neither is a problem ("form_missing")."""
    name = check.get(mapping, key, str, where, required=False, default=default)
    candidates = [ASSETS / "forms" / f"{name}.yaml", config_path.parent / name]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        check.problem(mapping, f"{where}.{key}" if where else key, "form_missing", name=name)
        return candidates[0]
    return found


@dataclass(frozen=True)
class LongForm:
    """config `long_form`: the form offered, after a quick answer is saved, to a random
    `share` of citizens (0.1: one in ten)."""

    path: Path
    share: float

    def draw(self, rng: random.Random) -> bool:
        """Whether this citizen is asked (share 1: everyone; 0: nobody)."""
        return rng.random() < self.share


def read_long_form(
    check: Checker, data: YMap, config_path: Path, quick_form: Path
) -> LongForm | None:
    """`long_form: {form: NAME, share: 0.1}`; None (no long form offered) when absent."""
    if data.get("long_form") is None:
        return None
    section = read_section(check, data, "long_form", {"form", "share"})
    if "form" not in section:
        check.problem(section, "long_form.form", "missing")
        return None
    path = read_form_path(check, section, "form", config_path, "", "long_form")
    if path.resolve() == quick_form.resolve():  # a second verdict from the same citizen
        check.problem(section, "long_form.form", "same_form")
    share = check.get(section, "share", float, "long_form", default=0.0)
    if not 0 <= share <= 1:
        check.problem(section, "long_form.share", "bad_range", low=0, high=1)
        share = 0.0
    return LongForm(path, share)


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
