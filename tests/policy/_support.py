"""Requests and small policies shared by the policy tests."""

from __future__ import annotations

from typing import Any

from glassbox.policy import PolicyRequest

PERMIT_ALL = """
@id("anything")
@description("Everything is permitted.")
permit (principal, action, resource);
"""


def make_request(**changes: Any) -> PolicyRequest:
    """A newsroom transcribing 10 minutes for journalism, well within its hour a day."""
    fields: dict[str, Any] = {
        "client": "newsroom",
        "category": "media",
        "purposes": ("journalism", "accessibility"),
        "daily_audio_seconds": 3600,
        "action": "transcribe",
        "purpose": "journalism",
        "audio_seconds": 600,
        "volume_audio_seconds_24h": 1200,
    }
    fields.update(changes)
    return PolicyRequest(**fields)
