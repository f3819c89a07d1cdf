"""config.yaml: one deployment's settings, read and checked in one place.

Every problem is reported with the file, the line and the key, in the user's language,
both on the kiosk's out-of-service screen and by `python -m kiosk check-config`.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from kiosk.domain.forms import LANGUAGES, Text
from kiosk.domain.identification import FIELDS, IdentificationPolicy
from kiosk.domain.integrity import DAYS, IntegrityPolicy, OpeningHours
from kiosk.domain.patterns import backtracks
from kiosk.domain.pin import is_pin_hash
from kiosk.domain.receipts import DEFAULT_HOSTS, DEFAULT_PARAMS, ReceiptRules
from kiosk.domain.shifts import Officer
from kiosk.domain.validators import DEFAULT_DOSSIER_PATTERN
from kiosk.domain.yamlfile import Checker, FileProblems, Problem, YList, YMap, load_yaml
from kiosk.resources import ASSETS, DEFAULT_CONFIG


@dataclass(frozen=True)
class Counter:
    code: str
    name: Text


@dataclass(frozen=True)
class Config:
    source: str
    unit_code: str
    unit_name: Text
    counters: tuple[Counter, ...]
    counter: str
    form_path: Path
    identification: IdentificationPolicy
    idle_timeout_s: float = 60.0
    idle_warning_s: float = 15.0  # the last seconds of the idle time ask "còn tiếp tục không?"
    thanks_s: float = 8.0
    keep_incomplete: bool = True
    language: str = "vi"
    data_dir: Path | None = None
    device_id: str = ""
    fullscreen: bool = True
    portal_url: str = ""
    portal_public_key: bytes | None = None
    portal_ca_file: str = ""  # a private CA's certificates; empty: the system's
    staff_pin_hash: str = ""
    pin_max_attempts: int = 5
    pin_lockout_s: float = 300.0
    receipt_hosts: tuple[str, ...] = DEFAULT_HOSTS
    receipt_params: tuple[str, ...] = DEFAULT_PARAMS
    survey_url: str = ""  # the online survey, {unit} and {counter} filled in (posters)
    thanks_url: str = ""  # a code on the thank-you screen; empty: none
    comment_url: str = ""  # "write it on my phone": {token} filled in; empty: not offered
    camera: str = "auto"  # auto | none | a folder or image file fed as camera frames
    integrity: IntegrityPolicy = field(default_factory=IntegrityPolicy)
    officers: tuple[Officer, ...] = ()
    without_officer: str = "accept"  # accept: answers with no officer on duty; closed: none
    yearly_dossiers: int = 0  # the unit's dossiers a year, for the sample target; 0: unknown
    end_of_day: time | None = None  # shifts still open then are ended (local time)

    @property
    def receipt_rules(self) -> ReceiptRules:
        return ReceiptRules(self.identification.dossier_pattern, self.receipt_hosts,
                            self.receipt_params)  # fmt: skip


MAX_PATTERN_LENGTH = 200  # the national style is 35 characters

_TOP_KEYS = {
    "unit", "counters", "counter", "device_id", "form", "identification", "flow",
    "language", "data_dir", "display", "portal", "staff", "qr", "integrity",
}  # fmt: skip
_QR_KEYS = {"receipt_hosts", "receipt_params", "survey_url", "thanks_url", "comment_url",
            "camera"}  # fmt: skip


def load_config(path: Path | None = None) -> Config:
    """Read and check config.yaml (the shipped one when no path is given)."""
    path = path or DEFAULT_CONFIG
    data = load_yaml(path)
    check = Checker(str(path))
    if not isinstance(data, YMap):
        check.problems.append(Problem(str(path), 1, "", "not_a_mapping"))
        check.raise_if_any()
    check.unknown_keys(data, _TOP_KEYS)
    config = _read(data, check, path)
    check.raise_if_any()
    return config


def _text_or_str(check: Checker, mapping: YMap, key: str, path: str) -> Text:
    value = mapping.get(key)
    if isinstance(value, str) and value.strip():
        return {"vi": value}
    if isinstance(value, dict) and isinstance(value.get("vi"), str):
        return {str(k): str(v) for k, v in value.items()}
    check.problem(mapping, f"{path}.{key}" if path else key, "missing_text")
    return {"vi": ""}


def _section(check: Checker, data: YMap, key: str, allowed: set[str]) -> YMap:
    value = check.get(data, key, dict, required=False)
    if value is None:
        empty = YMap()
        empty.line, empty.key_lines = data.line_of(key), {}
        return empty
    check.unknown_keys(value, allowed, key)
    return value


def _read(data: YMap, check: Checker, path: Path) -> Config:
    unit = _section(check, data, "unit", {"code", "name"})
    if "unit" not in data:
        check.problem(data, "unit", "missing")
    unit_code = check.get(unit, "code", str, "unit", default="")
    unit_name = _text_or_str(check, unit, "name", "unit") if "unit" in data else {"vi": ""}
    counters = _read_counters(check, data)
    counter = check.get(data, "counter", str, default="")
    if counter and counters and counter not in {c.code for c in counters}:
        check.problem(
            data, "counter", "unknown_counter", allowed=", ".join(c.code for c in counters)
        )
    form_path = _read_form_path(check, data, path)
    flow_keys = {"idle_timeout_s", "idle_warning_s", "thanks_s", "keep_incomplete"}
    flow = _section(check, data, "flow", flow_keys)
    idle = check.get(flow, "idle_timeout_s", float, "flow", required=False, default=60.0)
    warning = check.get(flow, "idle_warning_s", float, "flow", required=False, default=15.0)
    if not 0 <= warning <= 600:
        check.problem(flow, "flow.idle_warning_s", "bad_range", low=0, high=600)
    thanks = check.get(flow, "thanks_s", float, "flow", required=False, default=8.0)
    for key, value in (("idle_timeout_s", idle), ("thanks_s", thanks)):
        if not 3 <= value <= 3600:
            check.problem(flow, f"flow.{key}", "bad_range", low=3, high=3600)
    language = check.get(data, "language", str, required=False, default="vi")
    if language not in LANGUAGES:
        check.problem(data, "language", "bad_choice", allowed=", ".join(LANGUAGES))
    display = _section(check, data, "display", {"fullscreen"})
    staff = _section(check, data, "staff", {"pin_hash", "max_attempts", "lockout_s", "officers",
                                            "without_officer", "yearly_dossiers",
                                            "end_of_day"})  # fmt: skip
    pin_hash = ""
    if "staff" not in data:
        check.problem(data, "staff", "missing")
    else:
        pin_hash = check.get(staff, "pin_hash", str, "staff", default="")
    if pin_hash and not is_pin_hash(pin_hash):
        check.problem(staff, "staff.pin_hash", "bad_pin_hash")
    portal = _section(check, data, "portal", {"url", "public_key", "ca_file"})
    data_dir = check.get(data, "data_dir", str, required=False, default="")
    qr = _read_qr(check, _section(check, data, "qr", _QR_KEYS))
    return Config(
        source=str(path),
        unit_code=unit_code,
        unit_name=unit_name,
        counters=counters,
        counter=counter,
        form_path=form_path,
        identification=_read_identification(check, data),
        idle_timeout_s=idle,
        idle_warning_s=warning,
        thanks_s=thanks,
        keep_incomplete=check.get(flow, "keep_incomplete", bool, "flow", False, True),
        language=language,
        data_dir=Path(data_dir).expanduser() if data_dir else None,
        device_id=check.get(data, "device_id", str, required=False, default=""),
        fullscreen=check.get(display, "fullscreen", bool, "display", False, True),
        portal_url=_read_url(check, portal),
        portal_public_key=_read_public_key(check, portal),
        portal_ca_file=check.get(portal, "ca_file", str, "portal", required=False, default=""),
        staff_pin_hash=pin_hash,
        pin_max_attempts=_ranged(check, staff, "max_attempts", int, "staff", 5, (1, 100)),
        pin_lockout_s=_ranged(check, staff, "lockout_s", float, "staff", 300.0, (0, 86400)),
        officers=_read_officers(check, staff),
        without_officer=_read_without_officer(check, staff),
        yearly_dossiers=_ranged(check, staff, "yearly_dossiers", int, "staff", 0, (0, 10**8)),
        end_of_day=_read_end_of_day(check, staff),
        integrity=_read_integrity(check, data),
        **qr,
    )


def _ranged(check: Checker, mapping: YMap, key: str, kind: type, path: str, default: float,
            bounds: tuple[float, float]) -> float:  # fmt: skip
    """An optional number within bounds (a negative lockout would lock nobody out)."""
    value = check.get(mapping, key, kind, path, required=False, default=default)
    if not bounds[0] <= value <= bounds[1]:
        check.problem(mapping, f"{path}.{key}", "bad_range", low=bounds[0], high=bounds[1])
        return default
    return value


def _read_counters(check: Checker, data: YMap) -> tuple[Counter, ...]:
    raw = check.get(data, "counters", list, default=YList())
    counters = []
    for index, item in enumerate(raw):
        where = f"counters[{index}]"
        if not isinstance(item, YMap):
            check.problem(raw, where, "not_a_mapping")
            continue
        check.unknown_keys(item, {"code", "name"}, where)
        code = check.get(item, "code", str, where, default="")
        counters.append(Counter(code, _text_or_str(check, item, "name", where)))
    if "counters" in data and not counters:
        check.problem(data, "counters", "empty")
    return tuple(counters)


def _read_form_path(check: Checker, data: YMap, config_path: Path) -> Path:
    name = check.get(data, "form", str, required=False, default="danang-2223")
    candidates = [ASSETS / "forms" / f"{name}.yaml", config_path.parent / name]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        check.problem(data, "form", "form_missing", name=name)
        return candidates[0]
    return found


def _read_identification(check: Checker, data: YMap) -> IdentificationPolicy:
    allowed = {
        "fields",
        "required",
        "one_of",
        "allow_skip",
        "dossier_code_pattern",
        "dossier_code_prefix",
    }
    section = _section(check, data, "identification", allowed)
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
        allow_skip=check.get(section, "allow_skip", bool, "identification", False, False),
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


def _read_qr(check: Checker, qr: YMap) -> dict:
    def strings(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = check.get(qr, key, list, "qr", required=False, default=list(default))
        if not all(isinstance(v, str) and v.strip() for v in value):
            check.problem(qr, f"qr.{key}", "wrong_type", expected="list_of_str")
            return default
        return tuple(v.strip() for v in value)

    urls = {}
    for key, fields in (("survey_url", ("unit", "counter")), ("thanks_url", ()),
                        ("comment_url", ("token",))):  # fmt: skip
        url = check.get(qr, key, str, "qr", required=False, default="")
        if url and not _template_ok(url, fields):
            check.problem(qr, f"qr.{key}", "bad_url_template", fields=", ".join(fields) or "-")
        urls[key] = url
    if urls["comment_url"] and "{token}" not in urls["comment_url"]:
        check.problem(qr, "qr.comment_url", "bad_url_template", fields="token")
    return {
        "receipt_hosts": strings("receipt_hosts", DEFAULT_HOSTS),
        "receipt_params": strings("receipt_params", DEFAULT_PARAMS),
        "camera": check.get(qr, "camera", str, "qr", required=False, default="auto"),
        **urls,
    }


def _read_officers(check: Checker, staff: YMap) -> tuple[Officer, ...]:
    raw = check.get(staff, "officers", list, "staff", False, YList())
    officers = []
    for index, item in enumerate(raw):
        where = f"staff.officers[{index}]"
        if not isinstance(item, YMap):
            check.problem(raw, where, "not_a_mapping")
            continue
        check.unknown_keys(item, {"code", "name", "pin_hash", "citizen_id_hash"}, where)
        code = check.get(item, "code", str, where, default="")
        hashes = {}
        for key in ("pin_hash", "citizen_id_hash"):
            hashes[key] = check.get(item, key, str, where, required=key == "pin_hash", default="")
            if hashes[key] and not is_pin_hash(hashes[key]):
                check.problem(item, f"{where}.{key}", "bad_pin_hash")
        name = check.get(item, "name", str, where, default=code)
        officers.append(Officer(code, name, hashes["pin_hash"], hashes["citizen_id_hash"]))
    codes = [o.code for o in officers]
    for code in {c for c in codes if codes.count(c) > 1}:
        check.problem(staff, "staff.officers", "duplicate_id", id=code)
    return tuple(officers)


def _read_end_of_day(check: Checker, staff: YMap) -> time | None:
    text = check.get(staff, "end_of_day", str, "staff", False, "")
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        check.problem(staff, "staff.end_of_day", "bad_opening_hours")
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _read_without_officer(check: Checker, staff: YMap) -> str:
    value = check.get(staff, "without_officer", str, "staff", False, "accept")
    if value not in ("accept", "closed"):
        check.problem(staff, "staff.without_officer", "bad_choice", allowed="accept, closed")
        return "accept"
    return value


def _read_integrity(check: Checker, data: YMap) -> IntegrityPolicy:
    allowed = {"timezone", "min_interval_s", "burst_count", "burst_window_s", "opening_hours",
               "closed_outside_hours", "require_identification", "repeat_id_per_day"}  # fmt: skip
    section = _section(check, data, "integrity", allowed)
    default = IntegrityPolicy()

    def value(key: str, kind: type):
        return check.get(section, key, kind, "integrity", False, getattr(default, key))

    def count(key: str, kind: type, high: float):
        return _ranged(check, section, key, kind, "integrity", getattr(default, key), (0, high))

    zone = value("timezone", str)
    try:
        from zoneinfo import ZoneInfo

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


def _template_ok(url: str, fields: tuple[str, ...]) -> bool:
    """An http(s) URL whose {placeholders} are among the given fields."""
    if not re.match(r"^https?://[^\s/]+", url):
        return False
    try:
        url.format(**{field: "x" for field in fields})
    except (KeyError, IndexError, ValueError):
        return False
    return True


def _read_url(check: Checker, portal: YMap) -> str:
    url = check.get(portal, "url", str, "portal", required=False, default="")
    if url and not re.match(r"^https?://[^\s/]+", url):
        check.problem(portal, "portal.url", "bad_url")
    return url


def _read_public_key(check: Checker, portal: YMap) -> bytes | None:
    text = check.get(portal, "public_key", str, "portal", required=False, default="")
    if not text:
        return None
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        check.problem(portal, "portal.public_key", "bad_public_key")
        return None
    return key


def check_config_file(path: Path | None) -> list[Problem]:
    """Every problem of a config file and of the form it names (empty when all is well)."""
    from kiosk.domain.forms import load_form

    try:
        config = load_config(path)
        load_form(config.form_path)
    except FileProblems as exc:
        return exc.problems
    return []
