"""Whether the portal is up (GET /api/v1/health): no authentication, one round trip to
its database."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from contract.api import HEALTH_PATH
from portal import __version__
from portal.api.auth import Store
from portal.api.replies import now
from portal.store.engine import ping

router = APIRouter()


@router.get(HEALTH_PATH, summary="Whether the portal is up (no authentication)")
async def health(engine: Store) -> dict:
    await run_in_threadpool(ping, engine)
    return {"status": "ok", "version": __version__, "server_time": now().isoformat()}
