"""What the gateway answers for a request: one of four outcomes, each with its receipt.

They are domain results: the web layer alone turns them into HTTP statuses,
headers, URLs and the OpenAI or LibreTranslate shapes its clients expect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
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
    kept: str | None = None
    """The token the result is kept under, for a result fetched by a link."""


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


@dataclass(frozen=True)
class Delta:
    """The next piece of a streamed result's text."""

    text: str


@dataclass(frozen=True)
class Done:
    """A streamed result, whole, once its entry is durable."""

    receipt: Receipt
    result: Result


@dataclass(frozen=True)
class Interrupted:
    """A stream that broke off: logged as `failed` (with what was sent) all the same."""

    receipt: Receipt
    error: GlassboxError


@dataclass(frozen=True)
class Streaming:
    """Allowed and under way: `events` gives each `Delta`, then `Done` (or `Interrupted`).

    The decision entry is appended once, at the end, covering the whole output; a client
    that goes away mid-stream leaves a `failed` entry saying how much was produced.
    """

    events: AsyncIterator[Delta | Done | Interrupted]


Outcome = Served | Refused | Held | Failed | Streaming
