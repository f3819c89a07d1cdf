"""The bodies of the dossier endpoints, as portal/openapi.json gives them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contract.api import MAX_DOSSIERS


class DossierIn(BaseModel):
    """A dossier as the one-stop system sends it: the import's columns, dates as
    "2026-11-20 08:30" or "20/11/2026 08:30" (local time), a bare day for an appointment
    meaning its end."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=64)
    unit: str = Field(max_length=64)
    procedure: str = Field(max_length=300)
    field: str = Field("", max_length=200)
    received: str = Field(max_length=40)
    appointment: str = Field(max_length=40)
    returned: str | None = Field(None, max_length=40)
    status: str = Field("", max_length=40, description="processing, ready, returned (or blank)")
    counter: str = Field("", max_length=64, description="where a ready result is collected")


class DossiersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dossiers: list[DossierIn] = Field(max_length=MAX_DOSSIERS)


class DossiersResult(BaseModel):
    added: int
    updated: int
    unchanged: int
    answers_flagged: int = Field(description="answers newly flagged against these dossiers")
    answers_cleared: int = Field(description="answers whose dossier flag was taken off")
    server_time: datetime


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=64)


class LookupResult(BaseModel):
    """{"found": false}, {"found": false, "kept": false}, or the dossier
    (contract/dossiers.py DossierView)."""

    found: bool
    kept: bool | None = Field(
        None, description="false: the portal keeps none of this unit's dossiers (found is false)"
    )
    code: str | None = None
    procedure: str | None = None
    field: str | None = None
    received_at: str | None = None
    appointment_at: str | None = None
    returned_at: str | None = None
    status: str | None = Field(None, description="processing, ready, returned")
    late: bool | None = None
    delay_days: int | None = None
    counter: str | None = None
    apology: str | None = None
