"""Each kind of entry as a typed record, and its one encoding.

`encode()` gives the canonical bytes that go into the log. Fields that are None
are left out, so an entry carries only what applies to it; the encoding of
format version 1 must never change, because auditors verify old logs with it
(tests/entries/test_schema.py pins it with known answers).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from glassbox.entries._json import ENTRY_VERSION, canonical, rfc3339
from glassbox.entries._kinds import Action, Category, Change, Kind, Outcome, Verdict
from glassbox.tlog import MAX_ENTRY_SIZE


def _encode(obj: dict[str, Any]) -> bytes:
    return canonical({k: v for k, v in obj.items() if v is not None})


@dataclass(frozen=True, kw_only=True)
class DecisionEntry:
    """The end of one service request (served, denied, failed, expired) or its hold.

    `hold` names the held entry's index in the final entry of a held request;
    `details` are the service's own fields (the model that ran, say).
    """

    time: datetime
    request: str
    client: str  # the client's pseudonym, never its name
    category: Category
    action: Action
    purpose: str | None
    outcome: Outcome
    policy: str | None  # the policy-set hash in force, None when none was published
    reasons: tuple[str, ...] = ()
    input: str | None = None  # commitment
    output: str | None = None  # commitment
    hold: int | None = None
    reviewers: int | None = None  # reviewers required, on a held entry
    error: str | None = None  # the error code, on a failed entry
    audio_seconds: float | None = None
    characters: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def encode(self) -> bytes:
        return _encode(
            {
                "v": ENTRY_VERSION,
                "kind": Kind.DECISION.value,
                "time": rfc3339(self.time),
                "request": self.request,
                "hold": self.hold,
                "client": self.client,
                "category": str(self.category),
                "action": str(self.action),
                "purpose": self.purpose,
                "outcome": str(self.outcome),
                "policy": self.policy,
                "reasons": list(self.reasons),
                "input": self.input,
                "output": self.output,
                "reviewers": self.reviewers,
                "error": self.error,
                "audio_seconds": round(self.audio_seconds, 3) if self.audio_seconds else None,
                "characters": self.characters or None,
                **self.details,
            }
        )


@dataclass(frozen=True, kw_only=True)
class ReviewEntry:
    """One reviewer's verdict on the request held at log index `hold`."""

    time: datetime
    request: str
    hold: int
    verdict: Verdict
    reviewer: str  # the reviewer's pseudonym
    reason: str  # commitment of the written reason
    reviewers_required: int
    # The category of the client organisation the reviewer belongs to; None for one
    # who belongs to none (then the field is left out, as in entries written before it).
    reviewer_category: Category | None = None

    def encode(self) -> bytes:
        return _encode(
            {
                "v": ENTRY_VERSION,
                "kind": Kind.REVIEW.value,
                "time": rfc3339(self.time),
                "request": self.request,
                "hold": self.hold,
                "verdict": str(self.verdict),
                "reviewer": self.reviewer,
                "reviewer_category": str(self.reviewer_category)
                if self.reviewer_category
                else None,
                "reason": self.reason,
                "reviewers_required": self.reviewers_required,
            }
        )


@dataclass(frozen=True, kw_only=True)
class PolicyEntry:
    """A published policy set: its hash, full text and its own test cases."""

    time: datetime
    policy: str
    text: str
    tests: str | None

    def encode(self) -> bytes:
        return _encode(
            {
                "v": ENTRY_VERSION,
                "kind": Kind.POLICY.value,
                "time": rfc3339(self.time),
                "policy": self.policy,
                "text": self.text,
                "tests": self.tests,
            }
        )


OPERATOR = "operator"
"""The actor of a change made with the CLI on the node itself (by whoever runs the node)."""


@dataclass(frozen=True, kw_only=True)
class AdminEntry:
    """One administrative change, by `actor` (an admin's pseudonym, or OPERATOR).

    `subject` is the pseudonym of the client or console account changed, never a
    name; `settings` are the registration fields the change set (a client's category,
    purposes and limits, an account's role), and never a key, a password or a name.
    """

    time: datetime
    actor: str
    change: Change
    subject: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def encode(self) -> bytes:
        return _encode(
            {
                "v": ENTRY_VERSION,
                "kind": Kind.ADMIN.value,
                "time": rfc3339(self.time),
                "actor": self.actor,
                "change": str(self.change),
                "subject": self.subject,
                "settings": dict(self.settings) or None,
            }
        )


def figures_sha256(figures: Mapping[str, Any]) -> str:
    """`sha256:<hex>` of the figures' canonical JSON: what a report entry too large carries."""
    return "sha256:" + hashlib.sha256(canonical(figures)).hexdigest()


@dataclass(frozen=True, kw_only=True)
class ReportEntry:
    """A period's figures and the checkpoint (origin, size, root) they were computed at.

    The figures go inline when the entry fits the log's limit; otherwise the entry
    carries their hash with the `method` and `band_below` they were computed with.
    A report built before its month is over carries `"status": "provisional"`; a
    final one carries no status, so its encoding is the one format version 1 had.
    """

    time: datetime
    period: str
    origin: str
    size: int
    root: bytes
    figures: Mapping[str, Any]
    provisional: bool = False

    def encode(self) -> bytes:
        obj: dict[str, Any] = {
            "v": ENTRY_VERSION,
            "kind": Kind.REPORT.value,
            "time": rfc3339(self.time),
            "period": self.period,
            "checkpoint": {
                "origin": self.origin,
                "size": self.size,
                "root": base64.b64encode(self.root).decode(),
            },
            "figures": dict(self.figures),
        }
        if self.provisional:
            obj["status"] = "provisional"
        entry = canonical(obj)
        if len(entry) <= MAX_ENTRY_SIZE:
            return entry
        del obj["figures"]
        obj["figures_sha256"] = figures_sha256(self.figures)
        obj["method"], obj["band_below"] = self.figures["method"], self.figures["band_below"]
        return canonical(obj)
