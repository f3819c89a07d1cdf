"""How often one client (its IP address) may use the web survey, and try one dossier code,
and what each client finished lately (for the integrity flags that apply on a phone).

In memory, per portal process: a restart forgets them, and with several workers each
counts on its own (a client may get as many tries as there are workers). That is enough
to keep a script from filling the survey, which is all they are for; the answers
themselves are judged again at report time (duplicate dossiers, flags). Nothing here is
written to disk or logged: an IP address is personal data.

A client is its IPv4 address, or its IPv6 /64 (one subscriber's network: a phone may take
any address in it). Behind a reverse proxy, the client is the address the proxy forwards
(uvicorn believes X-Forwarded-For from the addresses in FORWARDED_ALLOW_IPS, 127.0.0.1
by default).

A dossier's tries are counted per client: counted from anyone, a few tries of someone
else's code (printed on a receipt others may see) would lock its owner out for an hour.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kiosk.domain.integrity import History, IntegrityPolicy


def client_key(host: str) -> str:
    """Who is counted for an address: an IPv4 address itself (mapped into IPv6 too), an
    IPv6 address by its /64."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d, as a dual-stack socket sees IPv4
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def dossier_key(client: str, dossier: str) -> str:
    """Whose tries of a dossier are counted together: one client's of one code."""
    return f"{client} {dossier}"


@dataclass(frozen=True)
class Limit:
    """At most `count` events within `window_s` seconds."""

    count: int
    window_s: float


@dataclass(frozen=True)
class WebLimits:
    """The web survey's limits (portal/web/survey.py mounts them on the app's state)."""

    # Every page a client opens or sends: a long form is about 35 of them, and a mobile
    # carrier's NAT may put several citizens at one counter behind one address.
    pages_per_client: Limit = Limit(300, 600)
    # Dossier codes a client tries, found rated or begun: a family may share one phone.
    surveys_per_client: Limit = Limit(20, 3600)
    # Tries of one dossier code by one client (dossier_key): a citizen mistypes, a script
    # probes; never from anyone, or anyone could lock a dossier out.
    tries_per_dossier: Limit = Limit(5, 3600)
    # The integrity rules of a kiosk, per client: no opening hours (a phone answers from
    # home, in the evening too), and no ID number on the web (portal/web/storing.py).
    integrity: IntegrityPolicy = field(
        default_factory=lambda: IntegrityPolicy(opening_hours=None, require_identification=True)
    )
    max_keys: int = 50_000  # clients or dossiers remembered; the least recent go first


class Windows:
    """Sliding windows of recent events per key, bounded in keys and in events per key."""

    def __init__(
        self, limit: Limit, max_keys: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.max_keys, self.clock = limit, max_keys, clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> int:
        """Count one event for `key`; 0 when within the limit, else the seconds to wait
        (the event is not counted then)."""
        now = self.clock()
        with self._lock:
            events = self._events.pop(key, None) or deque(maxlen=self.limit.count)
            self._events[key] = events  # the most recent key last
            while events and events[0] <= now - self.limit.window_s:
                events.popleft()
            if len(events) >= self.limit.count:
                return max(1, math.ceil(events[0] + self.limit.window_s - now))
            events.append(now)
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)
            return 0


class Finishes:
    """When each client's recent answers finished: the kiosk's integrity History per client."""

    def __init__(self, policy: IntegrityPolicy, max_keys: int) -> None:
        self.policy, self.max_keys = policy, max_keys
        self._finished: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def history(self, client: str, now: datetime) -> History:
        """What the client finished before `now`, as the kiosk's rules read a tablet's."""
        window_start = now - timedelta(seconds=self.policy.burst_window_s)
        with self._lock:
            times = list(self._finished.get(client, ()))
        return History(
            previous_finished_at=times[-1] if times else None,
            finished_within_burst_window=sum(1 for t in times if t >= window_start),
        )

    def record(self, client: str, finished: datetime) -> None:
        keep = max(self.policy.burst_count + 1, 2)
        with self._lock:
            times = self._finished.pop(client, None) or deque(maxlen=keep)
            times.append(finished)
            self._finished[client] = times
            while len(self._finished) > self.max_keys:
                self._finished.popitem(last=False)


@dataclass
class Guards:
    """The windows and finishes of one app (one portal process)."""

    limits: WebLimits
    pages: Windows = field(init=False)
    surveys: Windows = field(init=False)
    dossiers: Windows = field(init=False)
    finishes: Finishes = field(init=False)

    def __post_init__(self) -> None:
        limits = self.limits
        self.pages = Windows(limits.pages_per_client, limits.max_keys)
        self.surveys = Windows(limits.surveys_per_client, limits.max_keys)
        self.dossiers = Windows(limits.tries_per_dossier, limits.max_keys)
        self.finishes = Finishes(limits.integrity, limits.max_keys)
