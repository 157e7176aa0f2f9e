"""Slowing down password guessing: failed sign-ins per account and per address."""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

from glassbox.clock import Clock, utc_now
from glassbox.errors import TooManyAttempts

_log = logging.getLogger(__name__)

FREE_FAILURES = 5  # wrong passwords allowed before any wait
FIRST_WAIT = 1.0  # seconds after the first failure past those; doubling with each one
MAX_WAIT = 15 * 60.0
MAX_TRACKED = 10_000  # accounts and addresses remembered (the least recent are forgotten)


@dataclass
class _Record:
    failures: int
    locked_until: float


class LoginThrottle:
    """After `FREE_FAILURES` wrong passwords for an account, or from an address, each
    further attempt must wait: 1 s, then 2, 4, ... up to 15 minutes. An attempt during
    the wait is refused with `TooManyAttempts` before the password is checked; a success
    clears the account's and the address's count. Kept in memory, per process."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, name: str, address: str | None) -> None:
        """`TooManyAttempts` if the account or the address must still wait."""
        now = self._clock().timestamp()
        with self._lock:
            waits = [
                record.locked_until - now
                for key in _keys(name, address)
                if (record := self._records.get(key)) is not None and record.locked_until > now
            ]
        if waits:
            retry_after = max(1, math.ceil(max(waits)))
            raise TooManyAttempts(
                f"too many failed sign-ins; wait {retry_after} s before trying again",
                retry_after=retry_after,
            )

    def failed(self, name: str, address: str | None) -> None:
        now = self._clock().timestamp()
        with self._lock:
            for key in _keys(name, address):
                record = self._records.pop(key, None) or _Record(0, 0.0)
                record.failures += 1
                beyond = record.failures - FREE_FAILURES
                if beyond > 0:
                    record.locked_until = now + min(MAX_WAIT, FIRST_WAIT * 2 ** (beyond - 1))
                    if beyond == 1:  # how many, never who or from where
                        _log.warning("console sign-in slowed down after %d failures", FREE_FAILURES)
                self._records[key] = record
            while len(self._records) > MAX_TRACKED:
                self._records.popitem(last=False)

    def succeeded(self, name: str, address: str | None) -> None:
        with self._lock:
            for key in _keys(name, address):
                self._records.pop(key, None)


def _keys(name: str, address: str | None) -> list[str]:
    return [f"name:{name}", *([f"addr:{address}"] if address else [])]
