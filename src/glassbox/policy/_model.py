"""What the policy engine is asked (a `PolicyRequest`) and what it answers (a `Decision`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from glassbox.entries import Action, Category

ACTIONS = tuple(action.value for action in Action)
"""The actions a client can ask for; each is a Cedar action `Action::"<name>"`."""

CATEGORIES = tuple(category.value for category in Category)
"""The kinds of organisation a client is registered as (`principal.category`)."""


class Ruling(StrEnum):
    """What the policy rules for a request. Deny beats review, and review beats allow."""

    ALLOW = "allow"
    REVIEW = "review"
    DENY = "deny"


OUTCOMES = tuple(ruling.value for ruling in Ruling)

# The service (Cedar resource `Service::"<name>"`) that carries out each action.
SERVICES = {
    "transcribe": "speech",
    "translate_speech": "speech",
    "translate": "translation",
    "detect": "detection",
    "redact": "redaction",
}

# Reasons that are not policy ids; a policy may not use them as its @id.
DEFAULT_DENY = "default-deny"
POLICY_ERROR = "policy-error"
RESERVED_IDS = frozenset({DEFAULT_DENY, POLICY_ERROR})


@dataclass(frozen=True, kw_only=True)
class PolicyRequest:
    """One request, as the policy sees it: who asks, for what, why, and how much.

    The first four fields describe the client as registered; the rest describe
    this request. Counts are whole, non-negative numbers; a request that breaks
    that (or names an unknown action or category) is denied, never guessed at.
    """

    client: str
    """The client's pseudonym; the Cedar principal is `Client::"<client>"`."""
    category: str
    """One of `CATEGORIES`."""
    purposes: tuple[str, ...]
    """The purposes the client registered."""
    daily_audio_seconds: int
    """The client's registered audio volume: seconds of audio per 24 hours."""
    action: str
    """One of `ACTIONS`."""
    purpose: str
    """The purpose declared for this request."""
    audio_seconds: int = 0
    """This request's audio length in seconds, rounded up."""
    characters: int = 0
    """This request's text length in characters."""
    volume_audio_seconds_24h: int = 0
    """Seconds of audio the client sent in the last 24 hours, before this request."""
    requests_24h: int = 0
    """Requests the client made in the last 24 hours, before this request."""
    language: str = ""
    """The language of the request's input (ISO 639-1, e.g. "fr"): declared by the client,
    or identified from the speech; "" when unknown (text requests, silence)."""


@dataclass(frozen=True)
class Decision:
    """The outcome of evaluating a request, and the policies that decided it.

    Deny beats review, and review beats allow.
    """

    outcome: Ruling
    """Allow, review or deny."""
    reviewers: int
    """How many distinct reviewers must approve when the outcome is "review"; else 0."""
    reasons: tuple[str, ...]
    """The @id of each deciding policy, in policy-file order.

    For "deny", the forbid policies that matched, or ("default-deny",) when no
    permit matched, or ("policy-error",) when the request could not be
    evaluated. For "review", the permits carrying @review. For "allow", every
    permit that matched.
    """
    descriptions: tuple[str, ...]
    """The @description of each reason, in the same order; written for the client."""
    redact_output: bool = False
    """True when a matching permit carries @redact("output")."""
