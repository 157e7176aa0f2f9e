"""Request rate limits per client: a token bucket each, refilled continuously."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

from glassbox.clock import Clock, utc_now
from glassbox.errors import RateLimited

MAX_TRACKED = 100_000  # clients remembered; the least recently seen are forgotten (full)


class RateLimiter:
    """Lets each client make `per_minute` requests a minute: a bucket of that many tokens
    (so a burst of up to a minute's worth passes), refilled at `per_minute / 60` a second.
    A request that finds the bucket empty is `RateLimited`, with the seconds until a
    token is back as its Retry-After. Kept in memory, per process; 0 means no limit."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._buckets: OrderedDict[int, tuple[float, float]] = OrderedDict()  # tokens, when
        self._lock = threading.Lock()

    def take(self, client_id: int, per_minute: int) -> None:
        if per_minute <= 0:
            return
        now = self._clock().timestamp()
        rate = per_minute / 60.0
        with self._lock:
            tokens, then = self._buckets.pop(client_id, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - then) * rate)
            if tokens < 1.0:
                self._buckets[client_id] = (tokens, now)
                retry_after = max(1, math.ceil((1.0 - tokens) / rate))
                raise RateLimited(
                    f"more than {per_minute} requests a minute from this client; retry "
                    f"after {retry_after} s",
                    retry_after=retry_after,
                )
            self._buckets[client_id] = (tokens - 1.0, now)
            while len(self._buckets) > MAX_TRACKED:
                self._buckets.popitem(last=False)
