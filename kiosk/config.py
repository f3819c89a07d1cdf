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

from kiosk.config_sections import (
    LongForm,
    ranged,
    read_form_path,
    read_identification,
    read_integrity,
    read_long_form,
    read_section,
)
from kiosk.domain.forms import LANGUAGES, Text, load_form
from kiosk.domain.identification import IdentificationPolicy
from kiosk.domain.integrity import IntegrityPolicy
from kiosk.domain.pin import PinGuard, is_pin_hash
from kiosk.domain.receipts import DEFAULT_HOSTS, DEFAULT_PARAMS, ReceiptRules
from kiosk.domain.shifts import Officer
from kiosk.domain.yamlfile import Checker, FileProblems, Problem, YList, YMap, load_yaml
from kiosk.resources import DEFAULT_CONFIG


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
    pin_max_attempts: int = PinGuard.max_attempts
    pin_lockout_s: float = PinGuard.lockout_s
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
    long_form: LongForm | None = None  # offered after a quick answer to a few; None: never

    @property
    def receipt_rules(self) -> ReceiptRules:
        return ReceiptRules(
            self.identification.dossier_pattern, self.receipt_hosts, self.receipt_params
        )


_TOP_KEYS = {
    "unit",
    "counters",
    "counter",
    "device_id",
    "form",
    "identification",
    "flow",
    "language",
    "data_dir",
    "display",
    "portal",
    "staff",
    "qr",
    "integrity",
    "long_form",
}
_STAFF_KEYS = {
    "pin_hash",
    "max_attempts",
    "lockout_s",
    "officers",
    "without_officer",
    "yearly_dossiers",
    "end_of_day",
}
_QR_KEYS = {"receipt_hosts", "receipt_params", "survey_url", "thanks_url", "comment_url", "camera"}


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


def _read(data: YMap, check: Checker, path: Path) -> Config:
    unit = read_section(check, data, "unit", {"code", "name"})
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
    form_path = read_form_path(check, data, "form", path, default="danang-2223")
    flow_keys = {"idle_timeout_s", "idle_warning_s", "thanks_s", "keep_incomplete"}
    flow = read_section(check, data, "flow", flow_keys)
    idle = check.get(flow, "idle_timeout_s", float, "flow", False, Config.idle_timeout_s)
    warning = check.get(flow, "idle_warning_s", float, "flow", False, Config.idle_warning_s)
    if not 0 <= warning <= 600:
        check.problem(flow, "flow.idle_warning_s", "bad_range", low=0, high=600)
    thanks = check.get(flow, "thanks_s", float, "flow", required=False, default=Config.thanks_s)
    for key, value in (("idle_timeout_s", idle), ("thanks_s", thanks)):
        if not 3 <= value <= 3600:
            check.problem(flow, f"flow.{key}", "bad_range", low=3, high=3600)
    language = check.get(data, "language", str, required=False, default=Config.language)
    if language not in LANGUAGES:
        check.problem(data, "language", "bad_choice", allowed=", ".join(LANGUAGES))
    display = read_section(check, data, "display", {"fullscreen"})
    staff = read_section(check, data, "staff", _STAFF_KEYS)
    pin_hash = ""
    if "staff" not in data:
        check.problem(data, "staff", "missing")
    else:
        pin_hash = check.get(staff, "pin_hash", str, "staff", default="")
    if pin_hash and not is_pin_hash(pin_hash):
        check.problem(staff, "staff.pin_hash", "bad_pin_hash")
    portal = read_section(check, data, "portal", {"url", "public_key", "ca_file"})
    data_dir = check.get(data, "data_dir", str, required=False, default="")
    qr = _read_qr(check, read_section(check, data, "qr", _QR_KEYS))
    return Config(
        source=str(path),
        unit_code=unit_code,
        unit_name=unit_name,
        counters=counters,
        counter=counter,
        form_path=form_path,
        identification=read_identification(check, data),
        idle_timeout_s=idle,
        idle_warning_s=warning,
        thanks_s=thanks,
        keep_incomplete=check.get(
            flow, "keep_incomplete", bool, "flow", False, Config.keep_incomplete
        ),
        language=language,
        data_dir=Path(data_dir).expanduser() if data_dir else None,
        device_id=check.get(data, "device_id", str, required=False, default=""),
        fullscreen=check.get(display, "fullscreen", bool, "display", False, Config.fullscreen),
        portal_url=_read_url(check, portal),
        portal_public_key=_read_public_key(check, portal),
        portal_ca_file=check.get(portal, "ca_file", str, "portal", required=False, default=""),
        staff_pin_hash=pin_hash,
        pin_max_attempts=ranged(
            check, staff, "max_attempts", int, "staff", Config.pin_max_attempts, (1, 100)
        ),
        pin_lockout_s=ranged(
            check, staff, "lockout_s", float, "staff", Config.pin_lockout_s, (0, 86400)
        ),
        officers=_read_officers(check, staff),
        without_officer=_read_without_officer(check, staff),
        yearly_dossiers=ranged(
            check, staff, "yearly_dossiers", int, "staff", Config.yearly_dossiers, (0, 10**8)
        ),
        end_of_day=_read_end_of_day(check, staff),
        integrity=read_integrity(check, data),
        long_form=read_long_form(check, data, path, form_path),
        **qr,
    )


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


def _read_qr(check: Checker, qr: YMap) -> dict:
    def strings(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = check.get(qr, key, list, "qr", required=False, default=list(default))
        if not all(isinstance(v, str) and v.strip() for v in value):
            check.problem(qr, f"qr.{key}", "wrong_type", expected="list_of_str")
            return default
        return tuple(v.strip() for v in value)

    urls = {}
    for key, fields in (
        ("survey_url", ("unit", "counter")),
        ("thanks_url", ()),
        ("comment_url", ("token",)),
    ):
        url = check.get(qr, key, str, "qr", required=False, default="")
        if url and not _template_ok(url, fields):
            check.problem(qr, f"qr.{key}", "bad_url_template", fields=", ".join(fields) or "-")
        urls[key] = url
    if urls["comment_url"] and "{token}" not in urls["comment_url"]:
        check.problem(qr, "qr.comment_url", "bad_url_template", fields="token")
    return {
        "receipt_hosts": strings("receipt_hosts", DEFAULT_HOSTS),
        "receipt_params": strings("receipt_params", DEFAULT_PARAMS),
        "camera": check.get(qr, "camera", str, "qr", required=False, default=Config.camera),
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
    value = check.get(staff, "without_officer", str, "staff", False, Config.without_officer)
    if value not in ("accept", "closed"):
        check.problem(staff, "staff.without_officer", "bad_choice", allowed="accept, closed")
        return Config.without_officer
    return value


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
    try:
        config = load_config(path)
        load_form(config.form_path)
        if config.long_form is not None:
            load_form(config.long_form.path)
    except FileProblems as exc:
        return exc.problems
    return []
