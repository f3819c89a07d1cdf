"""Sending an alert: an e-mail through the portal's SMTP server (portal.yaml's alerts.smtp:
STARTTLS unless `starttls: false`, implicit TLS on port 465, a login when a username is
given, its password read from the environment variable `password_env`, never the file),
and/or a JSON POST to the webhook (alerts.webhook), each with a short timeout.

A failure never stops the portal or the check: it is written on the alert (send_error, in
Vietnamese, naming the server but never a password nor the webhook's address, which often
carries its own secret) and tried again at the next checks, for what was not taken yet,
at most MAX_ATTEMPTS times within RETRY_WITHIN of the alert. An attempt is claimed in the
database first, so that two checks running at once do not send the same alert twice.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

import requests
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from portal.dashboard.alert_rules import KINDS, local_text
from portal.dashboard.config import DashboardConfig, Smtp
from portal.store.dashboard_tables import Alert
from portal.store.settings import UNIT_NAME, unit_values

EMAIL, WEBHOOK = "email", "webhook"
CHANNELS = (EMAIL, WEBHOOK)
CHANNEL_NAMES = {EMAIL: "thư điện tử", WEBHOOK: "webhook"}
MAX_ATTEMPTS = 5
RETRY_WITHIN = timedelta(days=1)
SMTP_TIMEOUT_S = 10.0
PAGE = "/quan-tri/canh-bao"


class SendError(Exception):
    """Why a channel did not take an alert, in Vietnamese."""


def channels(config: DashboardConfig) -> tuple[str, ...]:
    """The channels the portal's settings give: e-mail (with someone to send to), webhook."""
    found = []
    if config.smtp is not None and config.smtp.to:
        found.append(EMAIL)
    if config.webhook:
        found.append(WEBHOOK)
    return tuple(found)


def deliver(engine: Engine, config: DashboardConfig, now: datetime) -> dict[int, str]:
    """Send the alerts not sent yet by every channel (new ones, and failed ones again):
    {alert id: "" when sent, else why not}."""
    wanted = channels(config)
    if not wanted:
        return {}
    stored_now = now.astimezone(timezone.utc).replace(tzinfo=None)
    query = select(Alert).where(
        Alert.sent_at.is_(None),
        Alert.send_attempts < MAX_ATTEMPTS,
        Alert.raised_at >= stored_now - RETRY_WITHIN,
    )
    with Session(engine) as session:
        waiting = list(session.scalars(query.order_by(Alert.id)))
        session.expunge_all()
    names = unit_values(engine, UNIT_NAME) if waiting else {}
    results = {}
    for alert in waiting:
        if _claim(engine, alert):
            results[alert.id] = _send(engine, config, alert, wanted, names, stored_now)
    return results


def _claim(engine: Engine, alert: Alert) -> bool:
    """Count this attempt, unless another check counted it first (then it sends it)."""
    with Session(engine) as session, session.begin():
        claimed = session.execute(
            update(Alert)
            .where(Alert.id == alert.id, Alert.send_attempts == alert.send_attempts)
            .values(send_attempts=alert.send_attempts + 1)
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _send(
    engine: Engine,
    config: DashboardConfig,
    alert: Alert,
    wanted: tuple[str, ...],
    names: dict[str, str],
    now: datetime,
) -> str:
    taken = {channel for channel in alert.sent_via.split(",") if channel}
    problems = []
    for channel in (c for c in wanted if c not in taken):
        try:
            if channel == EMAIL:
                assert config.smtp is not None
                send_email(config.smtp, email_message(alert, names, config.smtp))
            else:
                post_webhook(config.webhook, webhook_body(alert, names), config.webhook_timeout_s)
            taken.add(channel)
        except SendError as exc:
            problems.append(f"{CHANNEL_NAMES[channel].capitalize()}: {exc}")
    error = "; ".join(problems)
    with Session(engine) as session, session.begin():
        session.execute(
            update(Alert)
            .where(Alert.id == alert.id)
            .values(
                sent_via=",".join(c for c in CHANNELS if c in taken),
                send_error=error or None,
                sent_at=now if taken >= set(wanted) else None,
            )
        )
    return error


def unit_label(unit: str, names: dict[str, str]) -> str:
    name = names.get(unit)
    return f"{name} ({unit})" if name else unit


def email_message(alert: Alert, names: dict[str, str], smtp: Smtp) -> MIMEText:
    """The alert as an e-mail in Vietnamese: a UTF-8 body in base64 (whatever the server
    takes), the subject in RFC 2047 words that keep their spaces (EmailMessage's folding
    drops the space between two encoded words: "PhườngHải Châu")."""
    kind = KINDS[alert.kind].title if alert.kind in KINDS else alert.kind
    body = "\n".join(
        (
            f"Đơn vị: {unit_label(alert.unit_code, names)}",
            f"Cảnh báo: {alert.detail}",
            f"Thời điểm: {local_text(alert.raised_at)} (giờ Việt Nam)",
            "",
            f"Vui lòng mở trang Cảnh báo của cổng ({PAGE}) để xem và bấm “Đã xem – Xác nhận”.",
            "",
            "Thư này do cổng Kiosk Hài Lòng gửi tự động; vui lòng không trả lời thư.",
            "",
        )
    )
    message = MIMEText(body, "plain", "utf-8")
    subject = f"Cảnh báo Kiosk Hài Lòng – {unit_label(alert.unit_code, names)}: {kind}"
    message["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]  # typeshed: str only
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.to)
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(idstring=f"alert-{alert.id}")
    return message


def send_email(smtp: Smtp, message: Message) -> None:
    """Hand the message to the SMTP server; SendError saying why not."""
    password = os.environ.get(smtp.password_env, "") if smtp.password_env else ""
    if smtp.username and not password:
        raise SendError(f"chưa có mật khẩu thư trong biến môi trường {smtp.password_env or '?'}")
    where = f"{smtp.host}:{smtp.port}"
    try:
        if smtp.port == 465:
            context = ssl.create_default_context()
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=SMTP_TIMEOUT_S, context=context
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_S)
        with client:
            if smtp.starttls and smtp.port != 465:
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                client.login(smtp.username, password)
            client.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise SendError(f"máy chủ thư {where} từ chối tên đăng nhập hoặc mật khẩu") from None
    except smtplib.SMTPRecipientsRefused:
        raise SendError(f"máy chủ thư {where} từ chối địa chỉ người nhận") from None
    except smtplib.SMTPNotSupportedError:
        raise SendError(f"máy chủ thư {where} không hỗ trợ STARTTLS") from None
    except smtplib.SMTPException as exc:
        raise SendError(f"máy chủ thư {where} báo lỗi ({_short(exc)})") from None
    except ssl.SSLError as exc:
        raise SendError(f"lỗi TLS với máy chủ thư {where} ({_short(exc)})") from None
    except TimeoutError:
        raise SendError(
            f"máy chủ thư {where} không trả lời trong {SMTP_TIMEOUT_S:.0f} giây"
        ) from None
    except OSError as exc:
        raise SendError(f"không kết nối được máy chủ thư {where} ({_reason(exc)})") from None


def webhook_body(alert: Alert, names: dict[str, str]) -> dict[str, object]:
    """The JSON posted: `text` for chat tools that show it as is, and the alert's fields."""
    raised = alert.raised_at.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")
    return {
        "text": f"Cảnh báo – {unit_label(alert.unit_code, names)}: {alert.detail}",
        "alert": {
            "id": alert.id,
            "unit": alert.unit_code,
            "unit_name": names.get(alert.unit_code, ""),
            "kind": alert.kind,
            "key": alert.key,
            "detail": alert.detail,
            "raised_at": raised,
        },
    }


def post_webhook(url: str, body: dict[str, object], timeout_s: float) -> None:
    """POST the JSON; SendError unless it is answered 2xx within the timeout."""
    host = urlsplit(url).netloc.rsplit("@", 1)[-1]  # never the path: it often is the secret
    try:
        reply = requests.post(url, json=body, timeout=timeout_s, allow_redirects=False)
    except requests.Timeout:
        raise SendError(f"{host} không trả lời trong {timeout_s:g} giây") from None
    except requests.RequestException as exc:
        cause = exc.__context__ or exc
        raise SendError(f"không kết nối được {host} ({_reason(cause)})") from None
    if not 200 <= reply.status_code < 300:
        raise SendError(f"{host} trả lời HTTP {reply.status_code}")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError) or "refused" in str(exc).lower():
        return "bị từ chối kết nối"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _short(exc)


def _short(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:160]
