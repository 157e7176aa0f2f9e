"""Time, the one way Glassbox reads it: a clock is a function returning an aware UTC datetime.

Everything that stamps entries or measures deadlines (the gateway, review, reports)
takes a `Clock`, so tests can move time forward instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current time as an aware UTC datetime."""


def utc_now() -> datetime:
    """The system clock."""
    return datetime.now(UTC)
