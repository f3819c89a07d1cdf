"""The devices page: each tablet's health, silent tablets standing out, revoking one."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
