"""Alerts: thresholds per unit, alerts raised, sent by e-mail or webhook, acknowledged."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
