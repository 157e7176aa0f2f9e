"""The closed vocabularies entries use, shared by policy, gateway, review and reports.

Each is a `StrEnum`: its members are the exact strings the log carries, so a member
compares equal to the string read back from an entry.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """What an entry records (its `kind` field)."""

    DECISION = "decision"  # the end (or the hold) of one service request
    REVIEW = "review"  # one reviewer's verdict on a held request
    POLICY = "policy"  # a published policy set, with its full text
    REPORT = "report"  # a period's transparency figures
    ADMIN = "admin"  # one administrative change: a client, an API key or a console account


class Outcome(StrEnum):
    """How a request ended, or that it waits for review (a decision entry's `outcome`)."""

    SERVED = "served"
    DENIED = "denied"
    HELD = "held"
    FAILED = "failed"
    EXPIRED = "expired"


class Action(StrEnum):
    """What a client asks for; each is the Cedar action `Action::"<value>"`."""

    TRANSCRIBE = "transcribe"
    TRANSLATE_SPEECH = "translate_speech"
    TRANSLATE = "translate"
    DETECT = "detect"
    REDACT = "redact"


class Category(StrEnum):
    """The kind of organisation a client is registered as (`principal.category`)."""

    GOVERNMENT = "government"
    MILITARY = "military"
    LAW_ENFORCEMENT = "law_enforcement"
    INTELLIGENCE = "intelligence"
    COMMERCIAL = "commercial"
    NGO = "ngo"
    ACADEMIC = "academic"
    MEDIA = "media"
    INDIVIDUAL = "individual"


class Verdict(StrEnum):
    """A reviewer's verdict on a held request (a review entry's `verdict`)."""

    APPROVE = "approve"
    DENY = "deny"


class Change(StrEnum):
    """What an administrative change did (an admin entry's `change`)."""

    CLIENT_ADDED = "client_added"
    CLIENT_CHANGED = "client_changed"  # its category, purposes or limits
    CLIENT_SUSPENDED = "client_suspended"
    CLIENT_RESUMED = "client_resumed"
    KEY_CREATED = "key_created"
    KEY_REVOKED = "key_revoked"
    WEBHOOK_SET = "webhook_set"  # a key's webhook set or replaced (never its URL or secret)
    WEBHOOK_REMOVED = "webhook_removed"
    USER_ADDED = "user_added"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    PASSWORD_RESET = "password_reset"
