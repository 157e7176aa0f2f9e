"""The one interface every governed service implements, and the registry that finds them.

The gateway takes each request through the same steps (see `glassbox.gateway`):
the service only `prepare`s a request (validate it, measure it, say what its input
commitment covers) and `run`s it. A held request is run later from what `prepare`
returned, rebuilt from its stored payload and parameters: so `run` must work with
`Prepared.work` set (a request served at once) or None (a held request).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from glassbox.entries import Action, canonical
from glassbox.errors import NotFound


@dataclass
class Prepared:
    """A validated request: what it commits to, what it costs and how to run it."""

    payload: bytes
    """The bytes the input commitment covers; a held request keeps them, sealed."""
    params: dict[str, Any]
    """JSON-ready settings for `run` (a held request stores them); the gateway adds
    `redact` when the policy asks for the output to be redacted."""
    audio_seconds: float = 0.0
    characters: int = 0
    language: str | None = None
    """The language of the input (ISO 639-1), declared or identified, for the policy."""
    details: dict[str, Any] = field(default_factory=dict)
    """Fields for the log entry known before running (the model, say)."""
    work: Any = None
    """What `prepare` made of the payload (decoded audio, say), for `run` to reuse; never stored."""


@dataclass(frozen=True)
class Result:
    """What a service produced, ready to send: the body, and the document it encodes."""

    body: bytes
    media_type: str
    document: Any = None
    """The JSON document (a dict or a list) when the result is JSON; None for text formats."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """Fields for the log entry learnt by running (that the output was redacted, say)."""
    filename: str | None = None
    """Set when the result is a file the client fetches by a link (LibreTranslate's
    translated files): it is kept, sealed, with its entry."""

    def content(self) -> bytes:
        """What the output commitment covers: canonical JSON of the document, else the body."""
        return canonical(self.document) if self.document is not None else self.body


class Service(Protocol):
    """A governed service: transcription, translation, detection, redaction, ..."""

    action: Action

    def prepare(self, fields: Mapping[str, Any]) -> Prepared:
        """Validate a request's fields; raise an `InputError` (or subclass) saying what is wrong."""
        ...

    def run(self, prepared: Prepared) -> Result:
        """Carry out a prepared request (blocking); raise a `GlassboxError` if it cannot be."""
        ...


class Streamed(Protocol):
    """A result produced piece by piece: iterate for the text as it comes, then `result()`."""

    def __iter__(self) -> Iterator[str]: ...

    def result(self) -> Result:
        """The whole result, once iteration has ended."""
        ...

    def close(self) -> None:
        """Stop early (the client went away); frees what the work holds."""
        ...


@runtime_checkable
class StreamingService(Service, Protocol):
    """A service that can also hand out its result as it is produced."""

    def stream(self, prepared: Prepared) -> Streamed:
        """Start a prepared request whose `params["stream"]` is true (blocking)."""
        ...


class ServiceRegistry:
    """The services this node runs, by action."""

    def __init__(self, services: Iterable[Service]) -> None:
        self._services: dict[Action, Service] = {}
        for service in services:
            if service.action in self._services:
                raise ValueError(f"two services for action {service.action}")
            self._services[service.action] = service

    def get(self, action: Action) -> Service:
        try:
            return self._services[action]
        except KeyError:
            raise NotFound(f"this node runs no {action} service") from None

    def actions(self) -> list[Action]:
        return sorted(self._services)
