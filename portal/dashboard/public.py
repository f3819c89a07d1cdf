"""Published results: a public page per unit and for the province, the figures as CSV/JSON."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
