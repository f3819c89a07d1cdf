"""The dashboard's tables: accounts and their units, sign-in sessions, the audit of what
people did in the browser, re-verification (phúc tra) samples and their outcomes, alert
rules and the alerts they raised.

New tables only, none changes an older one: create_all makes them in a database of any
revision (portal/store/schema.py imports this module so that Base.metadata holds them).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.store.models import Base


class User(Base):
    """A person who signs in to the dashboard (`portal user add`)."""

    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # portal/dashboard/accounts.py ROLES
    password_hash: Mapped[str] = mapped_column(String(200))  # scrypt, salted
    failed_signins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class UserUnit(Base):
    """A unit a user is given: a unit head's units, a re-verifier's assigned units."""

    __tablename__ = "user_units"

    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie is kept, with its CSRF token."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # idle expiry, moved on by use up to `ends_at`
    ends_at: Mapped[datetime]  # absolute end, whatever the use


class DashboardEvent(Base):
    """Who did what, when, from where: every sign-in (good or not) and every sensitive
    action (a phone opened, a device revoked, an alert acknowledged, a sample drawn)."""

    __tablename__ = "dashboard_events"
    __table_args__ = (Index("ix_dashboard_events_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    user_name: Mapped[str] = mapped_column(String(64))  # as typed, for a failed sign-in
    action: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class VerificationSample(Base):
    """A random sample of a unit's answers over a period, drawn once and kept: the seed is
    recorded so anyone can draw it again and find the same answers."""

    __tablename__ = "verification_samples"
    __table_args__ = (UniqueConstraint("unit_code", "start", "end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(64))
    start: Mapped[date]
    end: Mapped[date]
    seed: Mapped[str] = mapped_column(String(64))
    population: Mapped[int]  # the answers it was drawn from
    size: Mapped[int]
    drawn_by: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[datetime]


class VerificationItem(Base):
    """One sampled answer and what its re-verification found."""

    __tablename__ = "verification_items"

    sample_id: Mapped[int] = mapped_column(ForeignKey("verification_samples.id"), primary_key=True)
    answer_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    position: Mapped[int]  # order of the draw
    outcome: Mapped[str | None] = mapped_column(String(16))  # None: not yet called
    citizen_verdict: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    opened_count: Mapped[int] = mapped_column(default=0)
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime | None]


class AlertRule(Base):
    """A threshold the province sets, for one unit or (unit_code None) every unit; a unit's
    own rule of a kind stands instead of the one for every unit (dashboard/alert_rules.py)."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    threshold: Mapped[float] = mapped_column(Float)  # a percentage or a factor; 0: unused
    window: Mapped[int] = mapped_column(BigInteger)  # answers, days or minutes by kind
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Alert(Base):
    """An alert a rule raised, once per unit, kind and occasion (`key`: a day, a device)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("unit_code", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(100))
    raised_at: Mapped[datetime]
    detail: Mapped[str] = mapped_column(Text)  # in Vietnamese, as shown and sent
    sent_at: Mapped[datetime | None]  # when the last channel still to send it took it
    sent_via: Mapped[str] = mapped_column(String(32), default="")  # "email,webhook": taken
    send_error: Mapped[str | None] = mapped_column(Text)  # the last failure, in Vietnamese
    send_attempts: Mapped[int] = mapped_column(default=0)
    acked_by: Mapped[str | None] = mapped_column(String(64))
    acked_at: Mapped[datetime | None]
