"""Re-verification (phúc tra): samples drawn once, sealed phones opened, outcomes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
