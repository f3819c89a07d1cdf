"""Results pages: the overview of units, a unit's page, downloads, integrity (flagged answers)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
