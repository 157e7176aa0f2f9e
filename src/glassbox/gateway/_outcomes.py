"""What the gateway answers for a request: one of four outcomes, each with its receipt.

They are domain results: the web layer alone turns them into HTTP statuses,
headers, URLs and the OpenAI or LibreTranslate shapes its clients expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from glassbox.entries import Receipt
from glassbox.errors import GlassboxError
from glassbox.services import Result


@dataclass(frozen=True)
class Reason:
    """A policy that decided, as the client is told: its id and its description."""

    id: str
    description: str


@dataclass(frozen=True)
class Served:
    receipt: Receipt
    result: Result


@dataclass(frozen=True)
class Refused:
    """Denied under the acceptable-use policy."""

    receipt: Receipt
    reasons: tuple[Reason, ...]

    @property
    def message(self) -> str:
        return "Refused under the acceptable-use policy: " + " ".join(
            r.description for r in self.reasons
        )


@dataclass(frozen=True)
class Held:
    """Waiting for `reviewers_required` reviewers until `deadline`."""

    receipt: Receipt
    hold_id: str
    reviewers_required: int
    deadline: datetime
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Failed:
    """Could not be decided or served; logged as `failed` all the same."""

    receipt: Receipt
    error: GlassboxError


Outcome = Served | Refused | Held | Failed
