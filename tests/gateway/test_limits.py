"""Per-client request rate limits: a token bucket, moved by a hand-driven clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from glassbox.errors import RateLimited
from glassbox.gateway._limits import RateLimiter
from tests.clock import FakeClock


def _allowed(limiter: RateLimiter, client: int, per_minute: int, tries: int) -> int:
    passed = 0
    for _ in range(tries):
        try:
            limiter.take(client, per_minute)
            passed += 1
        except RateLimited:
            pass
    return passed


def test_a_minute_s_worth_passes_then_each_waits_for_its_token() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    assert _allowed(limiter, 1, 60, 100) == 60  # a burst of one minute's requests
    with pytest.raises(RateLimited, match="more than 60 requests a minute") as caught:
        limiter.take(1, 60)
    assert caught.value.status == 429 and caught.value.retry_after == 1
    clock.advance(seconds=1)
    limiter.take(1, 60)  # one token came back
    assert _allowed(limiter, 2, 60, 5) == 5  # another client has its own bucket


def test_retry_after_is_when_a_token_is_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    assert _allowed(limiter, 7, 2, 3) == 2
    with pytest.raises(RateLimited) as caught:
        limiter.take(7, 2)
    assert caught.value.retry_after == 30  # 2 a minute: one every 30 s
    clock.advance(seconds=caught.value.retry_after)
    limiter.take(7, 2)


def test_zero_means_no_limit() -> None:
    assert _allowed(RateLimiter(FakeClock()), 1, 0, 10_000) == 10_000


@given(per_minute=st.integers(1, 500), seconds=st.integers(0, 600), tries=st.integers(0, 2000))
def test_never_more_than_the_bucket_and_its_refill(
    per_minute: int, seconds: int, tries: int
) -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    first = _allowed(limiter, 1, per_minute, tries)
    clock.advance(seconds=seconds)
    second = _allowed(limiter, 1, per_minute, tries)
    assert first <= per_minute
    assert first + second <= per_minute + per_minute * seconds / 60 + 1e-9
