"""The shapes every translation engine shares, in LibreTranslate's vocabulary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Language:
    """A language an engine translates from, as `/languages` lists it.

    `code` is an ISO 639-1 code where one exists ("en"), else ISO 639-3;
    `targets` are the codes it can be translated into.
    """

    code: str
    name: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class DetectedLanguage:
    """A language guessed for a text; `confidence` runs from 0 to 100, as in LibreTranslate."""

    language: str
    confidence: float


@dataclass(frozen=True)
class Translation:
    """One translated text, up to `alternatives` other renderings, the source if detected,
    and the `route` it took: "engine:source-target" for each step ("apertium:fr-es",
    "apertium:es-en" through a pivot), when several engines are routed between."""

    text: str
    alternatives: tuple[str, ...] = ()
    detected: DetectedLanguage | None = None
    route: tuple[str, ...] = ()


class Translator(Protocol):
    """What every translation engine offers; `build_translator` picks one from the settings."""

    name: str

    def languages(self) -> list[Language]:
        """Every language the engine translates from or into, sorted by code."""
        ...

    def translate(
        self,
        texts: Sequence[str],
        source: str,
        target: str,
        *,
        fmt: str = "text",
        alternatives: int = 0,
    ) -> list[Translation]:
        """Translate each text from `source` (or "auto") into `target`, in order.

        `fmt` is "text" or "html"; `alternatives` asks for that many other
        renderings where the engine can give them. Raises `InputError` for an
        unknown language, pair or format.
        """
        ...
