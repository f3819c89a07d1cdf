"""The tables of the kiosk's SQLite file (SQLAlchemy 2 typed models).

`responses` holds one row per citizen's answer, ordered by a local sequence (the id),
never by the tablet's clock, which may be wrong. `outbox` holds one row per answer still
to be delivered to the portal, written in the same transaction as the answer.
Personal data never appears in clear: phone and ID number are sealed to the portal's
public key when the kiosk is enrolled, and the ID number is kept as a hash whose key lives
one local day (kiosk/store/personal.py); no phone hash is kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, MetaData, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from contract.naming import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Response(Base):
    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int]
    unit_code: Mapped[str] = mapped_column(String(64))
    counter: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(64))
    officer: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    duration_ms: Mapped[int]
    id_method: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str | None] = mapped_column(String(64))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)  # question id → {"value", "other_text"}
    language: Mapped[str] = mapped_column(String(8))
    dossier_code: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    citizen_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    personal_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    app_version: Mapped[str | None] = mapped_column(String(32))  # NULL before revision 0002
    flags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # A quick answer: whether its citizen was drawn for the long form (NULL: no draw took
    # place). A long answer: the uuid of the quick answer it follows. NULL before 0005.
    drawn: Mapped[bool | None]
    follows: Mapped[str | None] = mapped_column(String(36))

    outbox: Mapped[OutboxEntry | None] = relationship(back_populates="response")


class OutboxEntry(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    enqueued_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    response: Mapped[Response] = relationship(back_populates="outbox")


class AuditEntry(Base):
    """A staff action: who (officer code, or "it"), what, when. Never a citizen's data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(200), default="", server_default="")
    delivered: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)


class KioskState(Base):
    """Small facts the kiosk keeps between starts (device id, PIN lockout)."""

    __tablename__ = "kiosk_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
