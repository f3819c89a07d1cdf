"""The dashboard's settings: `portal serve --config portal.yaml`, every key optional.

    dashboard:
      session_idle_minutes: 30       # a session unused this long ends
      session_hours: 12              # and every session ends after this, used or not
      lockout_attempts: 5            # wrong passwords in a row before the account waits
      lockout_minutes: 15
      secure_cookies: false          # true behind HTTPS (the cookie is then never sent in clear)
      private_key: /etc/portal/private.key   # opens sealed phones for re-verification
      device_silent_minutes: 60      # a tablet silent longer, during opening hours, stands out
      opening_hours: "07:30-17:00"   # local time (Asia/Ho_Chi_Minh), on the opening days
      opening_days: [1, 2, 3, 4, 5]  # ISO weekdays: 1 Thứ Hai … 6 Thứ Bảy, 7 Chủ nhật
      public_comments: false         # the public page quotes no comment unless true
      count_ahead_seconds: 50        # the province's overview and public page are counted
                                     # ahead this often (0: only when asked)
    alerts:
      smtp: {host: smtp.example.vn, port: 587, starttls: true, username: canhbao,
             password_env: PORTAL_SMTP_PASSWORD, sender: canhbao@example.vn,
             to: [noivu@example.vn]}
      webhook: https://chat.example.vn/hooks/…
      check_every_seconds: 60        # the portal checks the alert rules this often; 0: never
                                     # (then `portal alerts check` from cron does it)
    dossiers:
      columns: {code: "Số hồ sơ", received: "Ngày nhận hồ sơ"}   # the export's own headings
      statuses: {"Chờ thẩm định": processing, "Đã rút": skip}    # its words: processing,
                                     # ready, returned, or skip (not kept)
      pushes_per_minute: 60          # POST /api/v1/dossiers, per token

A password never sits in this file: `password_env` names the environment variable that
holds it. A file that cannot be used is refused whole, with its line, before the portal
starts (`ConfigError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from kiosk.domain.yamlfile import FileProblems, YMap, load_yaml


class ConfigError(ValueError):
    """A portal.yaml that cannot be used; the message names the file, line and key."""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int = 587
    starttls: bool = True
    username: str = ""
    password_env: str = ""
    sender: str = "kiosk-hai-long@localhost"
    to: tuple[str, ...] = ()


@dataclass(frozen=True)
class DashboardConfig:
    session_idle_minutes: int = 30
    session_hours: int = 12
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    secure_cookies: bool = False
    private_key: Path | None = None
    device_silent_minutes: int = 60
    opening: time = time(7, 30)
    closing: time = time(17, 0)
    opening_days: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO weekdays (1 = Monday)
    public_comments: bool = False
    smtp: Smtp | None = None
    webhook: str = ""
    webhook_timeout_s: float = 5.0
    count_ahead_seconds: int = 50  # the province's figures counted ahead this often; 0: never
    alert_check_seconds: int = 60  # 0: the portal does not check the rules itself
    dossier_columns: dict[str, str] = field(default_factory=dict)  # field → the export's heading
    dossier_statuses: dict[str, str] = field(default_factory=dict)  # its word → ours (or skip)
    dossier_pushes_per_minute: int = 60
    extra: dict[str, Any] = field(default_factory=dict)


_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_INTS = (
    "session_idle_minutes",
    "session_hours",
    "lockout_attempts",
    "lockout_minutes",
    "device_silent_minutes",
)
_BOOLS = ("secure_cookies", "public_comments")
DOSSIER_KEYS = ("columns", "statuses", "pushes_per_minute")


def load_config(path: Path | None) -> DashboardConfig:
    """The settings in `path`; the defaults when None."""
    if path is None:
        return DashboardConfig()
    try:
        document = load_yaml(path)
    except FileProblems as exc:
        problem = exc.problems[0]
        raise ConfigError(f"{path}:{problem.line}: không đọc được tệp ({problem.code})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: không mở được tệp ({exc.strerror})") from None
    if document is None:
        return DashboardConfig()
    root = _mapping(document, path, "", ("dashboard", "alerts", "dossiers"))
    values: dict[str, Any] = {}
    dashboard = root.get("dashboard")
    if dashboard is not None:
        values |= _dashboard(
            _mapping(
                dashboard,
                path,
                "dashboard",
                (
                    *_INTS,
                    *_BOOLS,
                    "private_key",
                    "opening_hours",
                    "opening_days",
                    "count_ahead_seconds",
                ),
            ),
            path,
        )
    alerts = root.get("alerts")
    if alerts is not None:
        keys = ("smtp", "webhook", "check_every_seconds")
        values |= _alerts(_mapping(alerts, path, "alerts", keys), path)
    dossiers = root.get("dossiers")
    if dossiers is not None:
        values |= _dossiers(_mapping(dossiers, path, "dossiers", DOSSIER_KEYS), path)
    return DashboardConfig(**values)


def _dossiers(section: YMap, path: Path) -> dict[str, Any]:
    from contract.dossiers import STATUSES
    from portal.dossiers.rows import FIELDS, SKIP  # the import's fields and statuses

    values: dict[str, Any] = {}
    if "columns" in section:
        columns = _mapping(section["columns"], path, "dossiers.columns", FIELDS)
        if not all(isinstance(v, str) and v.strip() for v in columns.values()):
            _refuse(path, section, "columns", "phải ghi tên cột trong tệp cho mỗi trường")
        values["dossier_columns"] = {str(k): str(v) for k, v in columns.items()}
    if "statuses" in section:
        statuses = section["statuses"]
        kinds = (*STATUSES, SKIP)
        if not isinstance(statuses, YMap) or not all(
            isinstance(word, str) and value in kinds for word, value in statuses.items()
        ):
            _refuse(path, section, "statuses", f"phải ghi mỗi trạng thái là một trong {kinds}")
        values["dossier_statuses"] = {str(k): str(v) for k, v in statuses.items()}
    if "pushes_per_minute" in section:
        every = section["pushes_per_minute"]
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            _refuse(path, section, "pushes_per_minute", "phải là một số nguyên dương")
        values["dossier_pushes_per_minute"] = every
    return values


def _dashboard(section: YMap, path: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in _INTS:
        if key in section:
            value = section[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                _refuse(path, section, key, "phải là một số nguyên dương")
            values[key] = value
    if "count_ahead_seconds" in section:
        every = section["count_ahead_seconds"]
        if isinstance(every, bool) or not isinstance(every, int) or every < 0:
            _refuse(path, section, "count_ahead_seconds", "phải là số giây (0: không tính trước)")
        values["count_ahead_seconds"] = every
    for key in _BOOLS:
        if key in section:
            if not isinstance(section[key], bool):
                _refuse(path, section, key, "phải là true hoặc false")
            values[key] = section[key]
    if "private_key" in section:
        if not isinstance(section["private_key"], str) or not section["private_key"]:
            _refuse(path, section, "private_key", "phải là đường dẫn tới tệp khóa riêng")
        values["private_key"] = Path(section["private_key"])
    if "opening_hours" in section:
        match = _HOURS.match(str(section["opening_hours"]))
        if not match or match.group(1, 2) >= match.group(3, 4):
            _refuse(path, section, "opening_hours", 'phải có dạng "07:30-17:00"')
        hour, minute, end_hour, end_minute = (int(g) for g in match.groups())  # type: ignore[union-attr]
        values["opening"], values["closing"] = time(hour, minute), time(end_hour, end_minute)
    if "opening_days" in section:
        values["opening_days"] = _days(section, path)
    return values


def _days(section: YMap, path: Path) -> tuple[int, ...]:
    """The opening days: ISO weekday numbers, each once (a unit open on Saturday adds 6)."""
    days = section["opening_days"]
    if (
        not isinstance(days, list)
        or not days
        or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days)
        or len(set(days)) != len(days)
    ):
        _refuse(
            path,
            section,
            "opening_days",
            "phải là danh sách thứ trong tuần, từ 1 (Thứ Hai) đến 7 (Chủ nhật)",
        )
    return tuple(sorted(days))


def _alerts(section: YMap, path: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "webhook" in section:
        url = section["webhook"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            _refuse(path, section, "webhook", "phải là một địa chỉ http:// hoặc https://")
        values["webhook"] = url
    if "check_every_seconds" in section:
        every = section["check_every_seconds"]
        if isinstance(every, bool) or not isinstance(every, int) or every < 0:
            _refuse(path, section, "check_every_seconds", "phải là số giây (0: không tự kiểm tra)")
        values["alert_check_seconds"] = every
    if "smtp" in section:
        keys = ("host", "port", "starttls", "username", "password_env", "sender", "to")
        smtp = _mapping(section["smtp"], path, "alerts.smtp", keys)
        if not isinstance(smtp.get("host"), str) or not smtp["host"]:
            _refuse(path, smtp, "host", "cần tên máy chủ thư")
        port = smtp.get("port", 587)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            _refuse(path, smtp, "port", "phải là số cổng từ 1 đến 65535")
        to = smtp.get("to", [])
        to = [to] if isinstance(to, str) else to
        if not isinstance(to, list) or not all(isinstance(a, str) and "@" in a for a in to):
            _refuse(path, smtp, "to", "phải là một hoặc nhiều địa chỉ thư")
        text = {key: str(smtp.get(key, "")) for key in ("username", "password_env", "sender")}
        values["smtp"] = Smtp(
            host=smtp["host"],
            port=port,
            starttls=bool(smtp.get("starttls", True)),
            username=text["username"],
            password_env=text["password_env"],
            sender=text["sender"] or Smtp.sender,
            to=tuple(to),
        )
    return values


def _mapping(value: object, path: Path, where: str, keys: tuple[str, ...]) -> YMap:
    if not isinstance(value, YMap):
        raise ConfigError(f"{path}: {where or 'tệp'} phải là một bảng khóa: giá trị")
    for key in value:
        if key not in keys:
            name = f"{where}.{key}" if where else str(key)
            raise ConfigError(
                f"{path}:{value.line_of(key)}: không có khóa {name}; có: {', '.join(keys)}"
            )
    return value


def _refuse(path: Path, section: YMap, key: str, why: str) -> None:
    raise ConfigError(f"{path}:{section.line_of(key)}: {key} {why}")
