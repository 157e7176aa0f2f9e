"""The encoding every entry shares: RFC 8785 canonical JSON and RFC 3339 times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import rfc8785

ENTRY_VERSION = 1
"""The `v` field of every entry this code writes."""


def canonical(obj: Any) -> bytes:
    """RFC 8785 (JCS) canonical JSON bytes."""
    return bytes(rfc8785.dumps(obj))


def rfc3339(when: datetime) -> str:
    """RFC 3339 UTC with milliseconds, e.g. 2026-11-29T01:50:00.123Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
