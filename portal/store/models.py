"""The portal's tables (SQLAlchemy 2): devices, counters, answers (once per UUID), intake events.

A change to a table is a migration (portal/store/migrations/versions); a new table needs
none (create_all makes it), though a migration may make it too.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from contract.naming import NAMING
from contract.wire import KIOSK


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))
    unit_code: Mapped[str] = mapped_column(String(64))
    counter: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]


class Counter(Base):
    """A counter of a unit, added with `portal counter add`: answers may name it.

    A device's own counter (`device add --counter`) is known without a row here; these
    are the others an officer may pick on a tablet during a shift.
    """

    __tablename__ = "counters"

    unit_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]


class EnrolmentCode(Base):
    """A one-time code, shown as a QR code, that lets a tablet fetch its device secret."""

    __tablename__ = "enrolment_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256, hex
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AuditRecord(Base):
    """A kiosk's staff action (who, what, when), stored once per device and local id."""

    __tablename__ = "audit_records"
    __table_args__ = (UniqueConstraint("device_id", "local_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    local_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime]


REPORT_COLUMNS = (
    "form_id",
    "local_day",
    "unit_code",
    "counter",
    "officer",
    "local_month",
    "channel",
    "status",
    "verdict",
    "flags",
    "form_version",
)


class Answer(Base):
    """One citizen's answer, stored at most once per UUID (a unique constraint).

    `channel` says how it came (contract.wire.CHANNELS); only a tablet's answer has a
    device it was received from, the web survey's and a clerk's import have none.
    """

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    received_from: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))
    channel: Mapped[str] = mapped_column(String(8), server_default=KIOSK, index=True)
    unit_code: Mapped[str] = mapped_column(String(64), index=True)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int]
    finished_at: Mapped[datetime]
    received_at: Mapped[datetime]
    batch_id: Mapped[str] = mapped_column(String(36))
    # The payload's, as columns: one verdict per dossier is one indexed lookup; the code
    # as contract.wire.canonical_dossier writes it (the payload keeps it as sent).
    dossier_code: Mapped[str | None] = mapped_column(String(64), index=True)
    verdict: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    # What the reports filter and group by, from the payload at intake
    # (portal/store/answer_facts.py): never read back out of the JSON, which every database
    # would scan row by row. `flags` is the tablet's integrity flags and the portal's
    # duplicate_dossier, comma-joined, "" for an answer that counts.
    counter: Mapped[str | None] = mapped_column(String(64))
    officer: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(16))
    local_day: Mapped[date | None]  # the finishing day in the unit's local time
    local_month: Mapped[str | None] = mapped_column(String(7))  # "2026-11"
    flags: Mapped[str] = mapped_column(String(200), server_default="")
    # A long form's answer that follows a quick one (the same citizen, asked more): the
    # quick answer's uuid. Targets count citizens, so they leave these out.
    follows: Mapped[str | None] = mapped_column(String(36))

    # A report reads these columns of a form's answers over a period, never the payload:
    # with all of them in the index the database reads the index alone (PostgreSQL: an
    # index-only scan) instead of every wide row. A target counts a unit's days.
    __table_args__ = (
        Index("ix_answers_report", *REPORT_COLUMNS),
        Index("ix_answers_unit_day", "unit_code", "local_day", "flags", "follows", "counter"),
    )


class AnswerRows:
    """What answer_choices and answer_texts repeat of their answer: the report's filters
    (so that a table or the comments are counted without a join) and its `flagged`, kept in
    step with its flags (portal/store/answer_facts.py)."""

    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    counter: Mapped[str | None] = mapped_column(String(64))
    officer: Mapped[str | None] = mapped_column(String(64))
    local_day: Mapped[date | None]
    flagged: Mapped[bool] = mapped_column(Boolean)


class AnswerChoice(AnswerRows, Base):
    """One choice an answer gave to one question: the rows a report's tables are counted
    from with GROUP BY."""

    __tablename__ = "answer_choices"
    __table_args__ = (
        Index("ix_answer_choices_form_id_local_day", "form_id", "local_day"),
        # One unit's tables (a unit head's page) without reading the province's.
        Index("ix_answer_choices_unit", "unit_code", "form_id", "local_day"),
    )

    choice: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The answer's first choice to this question: counting these counts who answered it
    # (a several-choice question's base) in the same pass as the choices.
    first: Mapped[bool] = mapped_column(Boolean)


class AnswerText(AnswerRows, Base):
    """A text an answer wrote (a comment, "Lý do khác"'s words): the report's comments,
    the newest found without reading the answers or their payloads."""

    __tablename__ = "answer_texts"
    __table_args__ = (
        Index("ix_answer_texts_form_id_local_day", "form_id", "local_day"),
        Index("ix_answer_texts_unit", "unit_code", "form_id", "local_day"),
    )

    text: Mapped[str] = mapped_column(Text)
    finished_at: Mapped[datetime]


class IntakeEvent(Base):
    """An answer not stored: a duplicate, a conflict or a rejection, with its reason."""

    __tablename__ = "intake_events"
    __table_args__ = (Index("ix_intake_events_device_kind", "device_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))  # None: not a tablet
    uuid: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    unit_code: Mapped[str] = mapped_column(String(64))
    form_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class Heartbeat(Base):
    """The latest heartbeat of each device."""

    __tablename__ = "heartbeats"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    received_at: Mapped[datetime]
    app_version: Mapped[str] = mapped_column(String(32))
    outbox_depth: Mapped[int]
    oldest_undelivered: Mapped[str | None] = mapped_column(String(40))
    free_disk_bytes: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    clock_offset_s: Mapped[float]


class SetAsideReport(Base):
    """What a device keeps aside (answers the portal refused), from its latest heartbeat.

    A table of its own rather than columns of `heartbeats`: a portal database made before
    it gets it from create_all, with no migration.
    """

    __tablename__ = "set_aside_reports"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[dict] = mapped_column(JSON)


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RegisteredForm(Base):
    """A form version added with `portal form add`: its answers are accepted like the shipped
    forms'. The text is kept as given and never replaced (a version's meaning never changes);
    its title and question count are kept beside it for `form list`."""

    __tablename__ = "forms"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(Text)  # in Vietnamese
    questions: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]


class Quota(Base):
    """A number of answers a survey plan sets for a unit, or one counter of it, over a period
    of local days (`portal quota add`; the Krông Nô plan: 120 at the district's one-stop
    unit, 40 at each commune's). Reports count progress against it."""

    __tablename__ = "quotas"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(64), index=True)
    counter: Mapped[str | None] = mapped_column(String(64))  # None: the whole unit
    start: Mapped[date]
    end: Mapped[date]
    count: Mapped[int]
    label: Mapped[str] = mapped_column(Text)  # the plan it comes from, in Vietnamese
    added_at: Mapped[datetime]


class ApiToken(Base):
    """A token a program reads reports with (`GET /api/v1/reports`), made by `portal token
    add` and shown once: only its SHA-256 is kept, so a copy of the database opens nothing."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # What it opens: "reports" (GET /api/v1/reports) or "dossiers" (a one-stop system's
    # POST /api/v1/dossiers). One token never opens both.
    scope: Mapped[str] = mapped_column(String(16), server_default="reports")


class Dossier(Base):
    """A unit's dossier as its one-stop software knows it (`portal dossiers import`, or
    pushed to `POST /api/v1/dossiers`): what a tablet's lookup shows and what answers are
    checked against. No applicant's name, phone or ID number: the one-stop software keeps
    those, the satisfaction survey needs none.

    `code` is written as contract.wire.canonical_dossier writes answers' codes, so that a
    join on (unit_code, code) finds the dossier an answer names.
    """

    __tablename__ = "dossiers"

    unit_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    procedure: Mapped[str] = mapped_column(String(300))
    field: Mapped[str] = mapped_column(String(200))  # the procedure's field (lĩnh vực)
    received_at: Mapped[datetime]  # local time, as the one-stop software writes it
    appointment_at: Mapped[datetime]  # the promised return (ngày hẹn trả)
    returned_at: Mapped[datetime | None]  # None: not yet returned
    status: Mapped[str] = mapped_column(String(16))  # contract.dossiers.STATUSES
    counter: Mapped[str] = mapped_column(String(64), server_default="")  # where it is returned
    updated_at: Mapped[datetime]
