"""The contract's bodies (pydantic): what a kiosk sends and what the portal answers.

The OpenAPI document (portal/openapi.json) is generated from these; the names and limits
the kiosk shares are the contract package's (contract/api.py, contract/wire.py).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contract.api import MAX_ANSWERS
from contract.wire import KIOSK_FLAGS

# What a kiosk may flag: the contract's KIOSK_FLAGS, spelled out for the OpenAPI document
# (tests/test_contract_wire.py checks they are the same).
Flag = Literal["too_soon", "burst", "after_hours", "unidentified", "repeat_id", "officer_self"]
Channel = Literal["kiosk", "web", "paper", "phone"]  # contract.wire.CHANNELS
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# The contract accepts only what the store keeps, on PostgreSQL as on SQLite (SQLite would
# keep more): every bound below is a column's (portal/store/models.py).
BIG = 2**62  # every integer fits a 64-bit column (the fuzzer sent larger ones)
INT32_MAX = 2**31 - 1  # an INTEGER column: Heartbeat.outbox_depth
BATCH_ID_LENGTH = 36  # Answer.batch_id; a kiosk sends a UUID


def refuse_nul(data: object) -> object:
    """Refuse a NUL character in any string, key or value, however deep: PostgreSQL's text
    cannot hold one, and a NUL in an answer's uuid or an unknown key would reach the
    intake log. Iterative, so that no nesting the JSON parser allowed can exhaust the stack."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("a NUL character (\\u0000) is not allowed in any text")
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return data


def _in_utc_range(moment: datetime) -> datetime:
    """The portal stores times in UTC: one that has no UTC equivalent (year 1 at +01:00)."""
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("the time is out of range once in UTC") from None
    return moment


# A time with its zone (a kiosk sends UTC, "...Z"): a naive one would be read in the
# portal's own zone, and compared with aware times it fails.
Moment = Annotated[AwareDatetime, AfterValidator(_in_utc_range)]


class ContractIn(BaseModel):
    """A body a kiosk sends: no NUL in any of its text."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: object) -> object:
        return refuse_nul(data)


class AnswerIn(ContractIn):
    """One answer as recorded on the tablet; personal data only sealed or as keyed hashes."""

    model_config = ConfigDict(extra="forbid")

    uuid: str = Field(pattern=UUID_PATTERN)
    sequence: int = Field(ge=1, le=BIG)
    form_id: str = Field(min_length=1, max_length=64)
    form_version: int = Field(ge=1, le=1_000_000)
    unit_code: str = Field(min_length=1, max_length=64)
    counter: str = Field(max_length=64)
    device_id: str = Field(min_length=1, max_length=64)
    officer: str | None = Field(default=None, max_length=64)
    started_at: Moment
    finished_at: Moment
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
    channel: Channel = "kiosk"
    drawn: bool | None = None  # a quick answer: its citizen was drawn for the long form
    follows: str | None = Field(default=None, pattern=UUID_PATTERN)  # the quick answer's uuid


class BatchIn(ContractIn):
    """A batch: an id chosen by the kiosk and up to MAX_ANSWERS answers (validated one by one;
    a NUL anywhere refuses the batch, since a rejected answer's uuid and reason are logged)."""

    batch_id: str = Field(min_length=1, max_length=BATCH_ID_LENGTH)
    answers: list[dict] = Field(max_length=MAX_ANSWERS)


Fate = Literal["stored", "duplicate", "conflict", "rejected"]  # an answer's, at the portal


class ItemResult(BaseModel):
    uuid: str
    status: Fate
    reason: str | None = None


class BatchResult(BaseModel):
    """201 Created: the fate of every answer of the batch, and the portal's clock."""

    batch_id: str
    server_time: datetime
    results: list[ItemResult]


class HeartbeatIn(ContractIn):
    model_config = ConfigDict(extra="forbid")

    app_version: str = Field(max_length=32)
    outbox_depth: int = Field(ge=0, le=INT32_MAX)
    oldest_undelivered: Moment | None = None
    free_disk_bytes: int | None = Field(default=None, ge=0, le=BIG)
    last_error: str | None = Field(default=None, max_length=2000)
    # Answers the portal refused that the tablet keeps aside (IT can requeue them): how
    # many, and how many for each kind of reason ("rejected: too_large").
    set_aside: int = Field(default=0, ge=0, le=BIG)
    set_aside_reasons: dict[str, int] = Field(default_factory=dict, max_length=20)
    device_time: Moment


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
    at: Moment
    actor: str = Field(min_length=1, max_length=64)
    action: str = Field(min_length=1, max_length=32)
    detail: str = Field(default="", max_length=200)


class AuditIn(ContractIn):
    model_config = ConfigDict(extra="forbid")

    entries: list[AuditEntryIn] = Field(max_length=MAX_ANSWERS)


class AuditResult(BaseModel):
    stored: int  # new entries; the others had been stored before
    server_time: datetime


class EnrolmentClaimIn(ContractIn):
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
