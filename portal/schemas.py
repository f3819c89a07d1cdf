"""The contract's bodies (pydantic): what a kiosk sends and what the portal answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ANSWERS = 500
# What a kiosk may flag (kiosk/domain/integrity.py); the portal adds duplicate_dossier.
KIOSK_FLAGS = ("too_soon", "burst", "after_hours", "unidentified", "repeat_id", "officer_self")
Flag = Literal["too_soon", "burst", "after_hours", "unidentified", "repeat_id", "officer_self"]
BIG = 2**62  # every integer fits a 64-bit column (the fuzzer sent larger ones)


class AnswerIn(BaseModel):
    """One answer as recorded on the tablet; personal data only sealed or as keyed hashes."""

    model_config = ConfigDict(extra="forbid")

    uuid: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    sequence: int = Field(ge=1, le=BIG)
    form_id: str = Field(min_length=1, max_length=64)
    form_version: int = Field(ge=1, le=1_000_000)
    unit_code: str = Field(min_length=1, max_length=64)
    counter: str = Field(max_length=64)
    device_id: str = Field(min_length=1, max_length=64)
    officer: str | None = Field(default=None, max_length=64)
    started_at: datetime
    finished_at: datetime
    duration_ms: int = Field(ge=0, le=BIG)
    id_method: Literal["typed", "qr", "none"]
    status: Literal["complete", "incomplete"]
    verdict: str | None = Field(default=None, max_length=64)
    reasons: list[str] = Field(max_length=50)
    comment: str = Field(max_length=5000)
    answers: dict
    language: str = Field(max_length=8)
    dossier_code: str | None = Field(default=None, max_length=64)
    phone_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    citizen_id_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    personal_sealed: str | None = Field(default=None, max_length=4096)
    app_version: str | None = Field(default=None, max_length=32)
    flags: list[Flag] = Field(default_factory=list, max_length=len(KIOSK_FLAGS))


class BatchIn(BaseModel):
    """A batch: an id chosen by the kiosk and up to MAX_ANSWERS answers (validated one by one)."""

    batch_id: str = Field(min_length=1, max_length=64)
    answers: list[dict] = Field(max_length=MAX_ANSWERS)


class ItemResult(BaseModel):
    uuid: str
    status: Literal["stored", "duplicate", "conflict", "rejected"]
    reason: str | None = None


class BatchResult(BaseModel):
    """201 Created: the fate of every answer of the batch, and the portal's clock."""

    batch_id: str
    server_time: datetime
    results: list[ItemResult]


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    app_version: str = Field(max_length=32)
    outbox_depth: int = Field(ge=0, le=BIG)
    oldest_undelivered: datetime | None = None
    free_disk_bytes: int | None = Field(default=None, ge=0, le=BIG)
    last_error: str | None = Field(default=None, max_length=2000)
    device_time: datetime


class HeartbeatResult(BaseModel):
    server_time: datetime
    clock_offset_s: float


class ErrorBody(BaseModel):
    code: str
    message: str
    server_time: datetime


class ErrorResponse(BaseModel):
    error: ErrorBody


class AuditEntryIn(BaseModel):
    """A staff action on the kiosk: who (an officer's code, or "it"), what, when."""

    model_config = ConfigDict(extra="forbid")

    id: int = Field(ge=1, le=BIG)  # the kiosk's own sequence: resending is harmless
    at: datetime
    actor: str = Field(min_length=1, max_length=64)
    action: str = Field(min_length=1, max_length=32)
    detail: str = Field(default="", max_length=200)


class AuditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[AuditEntryIn] = Field(max_length=MAX_ANSWERS)


class AuditResult(BaseModel):
    stored: int  # new entries; the others had been stored before
    server_time: datetime


class EnrolmentClaimIn(BaseModel):
    """A tablet that scanned an enrolment QR code asks for its device secret."""

    model_config = ConfigDict(extra="forbid")

    device_id: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=128)


class EnrolmentClaimOut(BaseModel):
    device_id: str
    secret: str
    unit_code: str
    counter: str
    public_key: str
