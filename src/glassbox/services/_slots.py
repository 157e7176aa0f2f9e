"""A fixed number of slots for heavy work, handed out first come, first served."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from glassbox.errors import Overloaded

_MAX_RETRY_AFTER = 60


class Slots:
    """At most `size` holders at once; the others wait in line, in arrival order.

    A waiter that has no slot by its deadline gets `Overloaded`, with a
    Retry-After of about one typical holding time. A long holder can `pass_turn`
    to let the waiters go first and queue again behind them, so that a two-hour
    upload does not keep a slot from requests that would otherwise time out.
    """

    def __init__(self, size: int, *, queue_timeout: float, what: str) -> None:
        if size < 1 or queue_timeout < 0:
            raise ValueError("size must be >= 1 and queue_timeout >= 0")
        self.size = size
        self.queue_timeout = queue_timeout
        self._what = what  # named in the Overloaded message: "transcription", "Apertium"
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[threading.Event] = deque()
        self._typical = 0.0  # moving average of how long one holder kept its slot

    def busy(self) -> int:
        """How many slots are held now."""
        with self._lock:
            return self.size - self._free

    def waiting(self) -> int:
        """How many wait in line now."""
        with self._lock:
            return len(self._waiting)

    def deadline(self) -> float:
        """When work that arrives now must have a slot by (on time.monotonic's clock)."""
        return time.monotonic() + self.queue_timeout

    def acquire(self, deadline: float | None = None) -> None:
        """Take a slot, waiting in line until `deadline` (default: the queue timeout from
        now) at most; `Overloaded` if none came."""
        wait = self.queue_timeout if deadline is None else deadline - time.monotonic()
        if not self._take(max(0.0, wait)):
            raise self._overloaded()

    def release(self, held: float | None = None) -> None:
        """Give the slot back (to the first in line, if any); `held` seconds feed the
        typical holding time."""
        with self._lock:
            if held is not None:
                self._typical = held if self._typical == 0 else 0.8 * self._typical + 0.2 * held
            if self._waiting:
                self._waiting.popleft().set()  # straight to the next in line
            elif self._free < self.size:
                self._free += 1
            else:
                raise RuntimeError("released a slot that was not taken")

    def pass_turn(self) -> float:
        """If anyone waits, let them go first and wait in line again (with no deadline:
        work already running is never refused). Returns the seconds spent waiting."""
        with self._lock:
            if not self._waiting:
                return 0.0
        started = time.monotonic()
        self.release()
        self._take(None)
        return time.monotonic() - started

    def _take(self, timeout: float | None) -> bool:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed a slot just as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    def _overloaded(self) -> Overloaded:
        # A slot frees up when a holder ends: suggest retrying after about one typical
        # holding time (the queue timeout until one has ended).
        typical = self._typical or self.queue_timeout
        retry_after = min(_MAX_RETRY_AFTER, max(1, math.ceil(typical)))
        return Overloaded(
            f"all {self.size} {self._what} slots stayed busy for "
            f"{self.queue_timeout:g} s; retry after {retry_after} s",
            retry_after=retry_after,
        )
