"""The one place that says how the daemon retries, backs off and polls.

Within one request, urllib3's Retry resends on connection errors and on 429/502/503/504,
honouring Retry-After; POST is included because every batch is idempotent (the portal
stores an answer once per UUID). Between rounds that failed, the daemon waits with
exponential backoff and full jitter, capped, and never less than a Retry-After it was
given. With nothing to send it looks at its own outbox every few seconds (a local query)
and reports a heartbeat every few minutes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from urllib3.util import Retry

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 60.0  # longer than the portal's work on the largest batch
IDLE_POLL_S = 5.0  # a local SELECT on the outbox; the portal is contacted only with work
AFTER_SUCCESS_S = 1.0
HEARTBEAT_EVERY_S = 300.0


def transport_retry() -> Retry:
    return Retry(
        total=3,
        backoff_factor=0.5,
        backoff_max=8.0,
        backoff_jitter=0.5,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=None,  # POST too: batches are idempotent
        respect_retry_after_header=True,
        raise_on_status=False,
    )


@dataclass
class Backoff:
    """Full-jitter exponential backoff between failed rounds (AWS architecture blog)."""

    base_s: float = 2.0
    cap_s: float = 600.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def failed(self, retry_after_s: float | None = None) -> float:
        """Seconds to wait after one more failure."""
        self.failures += 1
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.failures, 30))
        wait = self.rng.uniform(0, ceiling)
        return max(wait, retry_after_s or 0.0)

    def succeeded(self) -> None:
        self.failures = 0
