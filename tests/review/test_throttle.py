"""Sign-in throttling: waits that double after a few failures, per account and address."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from glassbox.errors import TooManyAttempts
from glassbox.review._throttle import FREE_FAILURES, MAX_WAIT, LoginThrottle
from tests.clock import FakeClock


def _wait(throttle: LoginThrottle, name: str, address: str | None = None) -> int | None:
    """The Retry-After an attempt now would get, or None if it may go ahead."""
    try:
        throttle.check(name, address)
    except TooManyAttempts as exc:
        assert exc.status == 429
        return exc.retry_after
    return None


def test_a_few_failures_are_free_then_each_wait_doubles() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock)
    for _ in range(FREE_FAILURES):
        assert _wait(throttle, "alice") is None
        throttle.failed("alice", "192.0.2.1")
    assert _wait(throttle, "alice") is None
    waits = []
    for _ in range(4):
        throttle.failed("alice", "192.0.2.1")
        waits.append(_wait(throttle, "alice"))
        clock.advance(seconds=waits[-1] or 0)  # the attacker waits exactly as long as told
    assert waits == [1, 2, 4, 8]


def test_the_address_is_slowed_down_across_accounts() -> None:
    """Guessing a different name each time does not escape the wait from one address."""
    throttle = LoginThrottle(FakeClock())
    for n in range(FREE_FAILURES + 1):
        throttle.failed(f"user{n}", "192.0.2.9")
    assert _wait(throttle, "someone-new", "192.0.2.9") == 1
    assert _wait(throttle, "someone-new", "198.51.100.7") is None  # another address


def test_a_success_clears_the_count() -> None:
    throttle = LoginThrottle(FakeClock())
    for _ in range(FREE_FAILURES):
        throttle.failed("bob", None)
    throttle.succeeded("bob", None)
    throttle.failed("bob", None)
    assert _wait(throttle, "bob") is None


@given(failures=st.integers(FREE_FAILURES + 1, 200))
def test_the_wait_never_exceeds_its_cap(failures: int) -> None:
    throttle = LoginThrottle(FakeClock())
    for _ in range(failures):
        throttle.failed("carol", None)
    wait = _wait(throttle, "carol")
    assert wait is not None and 1 <= wait <= MAX_WAIT


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("glassbox.review._throttle.MAX_TRACKED", 50)
    throttle = LoginThrottle(FakeClock())
    for n in range(500):
        throttle.failed(f"name{n}", f"10.0.{n // 250}.{n % 250}")
    assert len(throttle._records) <= 50
