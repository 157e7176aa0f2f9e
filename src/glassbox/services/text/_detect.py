"""Language identification with lingua, whose models ship inside its wheel."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from glassbox.errors import InputError

from ._types import DetectedLanguage

if TYPE_CHECKING:
    import lingua


@cache
def detectable_languages() -> frozenset[str]:
    """The ISO 639-1 codes lingua can tell apart (75 languages)."""
    from lingua import Language

    return frozenset(lang.iso_code_639_1.name.lower() for lang in Language.all())


def detectable(code: str) -> bool:
    """Whether lingua knows the language `code` (ISO 639-1)."""
    return code in detectable_languages()


class LanguageDetector:
    """Guesses the language of a text among `languages` (ISO 639-1 codes; None: all 75).

    The lingua detector is built once, on first use, and shared by all
    threads. Its high-accuracy mode loads models for every language a text's
    script allows: with all languages that is about 900 MB and 15 s on the
    first text (call `preload` at start-up); `low_accuracy=True` needs about
    100 MB and half a second, and is less reliable on short texts.
    """

    def __init__(
        self, languages: Sequence[str] | None = None, *, low_accuracy: bool = False
    ) -> None:
        if languages is not None:
            unknown = sorted(set(languages) - detectable_languages())
            if unknown:
                raise InputError(
                    f"language detection does not know {', '.join(map(repr, unknown))}; "
                    f"it knows: {', '.join(sorted(detectable_languages()))}"
                )
            if len(set(languages)) < 2:
                raise InputError("language detection needs at least two languages to choose from")
            languages = sorted(set(languages))
        self._languages = languages
        self._low_accuracy = low_accuracy
        self._detector: lingua.LanguageDetector | None = None
        self._preloaded = False
        self._lock = threading.Lock()

    def detect(self, text: str, *, top: int = 3) -> list[DetectedLanguage]:
        """The `top` likeliest languages of `text`, likeliest first, confidence 0..100.

        lingua spreads its probabilities over every language it knows, so a clear
        sentence gets 60-90% and two words 20%, whatever the runner-up. As in
        LibreTranslate, confidence here says how sure the choice is: each language's
        probability over that of the two likeliest together (100 when nothing else
        is likely, 50 for a coin toss between two). Empty when no language is likely
        at all (digits or punctuation only); `InputError` for a blank text or a `top`
        below 1.
        """
        if not text.strip():
            raise InputError("there is no text to detect the language of")
        if top < 1:
            raise InputError("top must be at least 1")
        values = self._lingua().compute_language_confidence_values(text)
        pair = sum(v.value for v in values[:2])
        if pair <= 0:
            return []
        found = [
            DetectedLanguage(v.language.iso_code_639_1.name.lower(), round(100 * v.value / pair, 2))
            for v in values[:top]
        ]
        return [d for d in found if d.confidence > 0]

    def preload(self) -> None:
        """Build the detector and load all its models now rather than on the first text."""
        with self._lock:
            if not self._preloaded:
                self._detector = self._build(preload=True)
                self._preloaded = True

    def _lingua(self) -> lingua.LanguageDetector:
        detector = self._detector
        if detector is None:
            with self._lock:
                if self._detector is None:
                    self._detector = self._build(preload=False)
                detector = self._detector
        return detector

    def _build(self, preload: bool) -> lingua.LanguageDetector:
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        if self._languages is None:
            builder = LanguageDetectorBuilder.from_all_languages()
        else:
            codes = [IsoCode639_1.from_str(code) for code in self._languages]
            builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        if self._low_accuracy:
            builder = builder.with_low_accuracy_mode()
        if preload:
            builder = builder.with_preloaded_language_models()
        return builder.build()
