"""Personal-data redaction with Microsoft Presidio, offline.

Pattern recognizers always run: e-mail addresses, phone numbers (the
`phonenumbers` library), credit-card numbers (Luhn-checked), IBANs
(checksum-checked), IPv4/IPv6 addresses and URLs (with a scheme or `www.`).
Names and places (PERSON, LOCATION) need a spaCy pipeline with an entity
recognizer: they are found only when one is configured and installed, and
`Redaction.detectors` says which ran. Without one, Presidio gets its no-op
NLP engine. Presidio's e-mail check asks tldextract for the public-suffix
list, which by default is fetched from the internet; here it reads the
snapshot inside the tldextract package, with no cache and no URL.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glassbox.errors import ConfigError, InputError

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
    from presidio_anonymizer import AnonymizerEngine

PATTERN_ENTITIES = (
    "CREDIT_CARD",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "IP_ADDRESS",
    "PHONE_NUMBER",
    "URL",
)
NER_ENTITIES = ("LOCATION", "PERSON")
# Where phone numbers without a country prefix are looked for (international ones always are).
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "CA", "AU", "IN", "BR")
_LANGUAGE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class Entity:
    """Personal data found at `text[start:end]` of the original text, of `type`."""

    type: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Redaction:
    """The text with each entity replaced by `<TYPE>`, the entities, and what looked."""

    text: str
    entities: tuple[Entity, ...]
    detectors: tuple[str, ...]


class Redactor:
    """Finds personal data in a text and replaces it with `<TYPE>` placeholders.

    `spacy_model` names an installed spaCy pipeline (a package name such as
    "en_core_web_sm", or a directory) whose entity recognizer finds names and
    places in texts of its language; nothing is ever downloaded, and a model
    that is not installed is a `ConfigError`. Presidio is set up on first use,
    once, and shared by all threads.
    """

    def __init__(self, *, spacy_model: str | None = None) -> None:
        self._spacy_model = spacy_model or None
        self._engines: _Engines | None = None
        self._lock = threading.Lock()
        if self._spacy_model is not None:
            _check_spacy_model(self._spacy_model)

    def redact(self, text: str, *, language: str = "en") -> Redaction:
        """`text` with its personal data replaced; spans in `entities` index the original.

        `language` (ISO 639 code) picks whether the spaCy pipeline runs: only
        for its own language. `InputError` for a malformed language code.
        """
        if not _LANGUAGE.fullmatch(language):
            raise InputError(f"language {language!r} is not an ISO 639 code such as 'en'")
        engines = self._setup()
        with_ner = engines.ner is not None and language == engines.ner_language
        detectors: tuple[str, ...] = ("patterns",)
        if with_ner:
            assert engines.ner is not None
            analyzer, entities = engines.ner, [*PATTERN_ENTITIES, *NER_ENTITIES]
            detectors += (f"spacy:{engines.ner_name}",)
        else:
            analyzer, entities = engines.patterns, list(PATTERN_ENTITIES)
        if not text:
            return Redaction(text, (), detectors)
        results = _without_overlaps(
            analyzer.analyze(text, language=analyzer.supported_languages[0], entities=entities)
        )
        anonymized = engines.anonymizer.anonymize(
            text=text, analyzer_results=_for_anonymizer(results)
        )
        found = tuple(
            Entity(r.entity_type, r.start, r.end, round(float(r.score), 3))
            for r in sorted(results, key=lambda r: r.start)
        )
        return Redaction(anonymized.text, found, detectors)

    def _setup(self) -> _Engines:
        engines = self._engines
        if engines is None:
            with self._lock:
                if self._engines is None:
                    self._engines = _Engines.build(self._spacy_model)
                engines = self._engines
        return engines


@dataclass
class _Engines:
    patterns: AnalyzerEngine
    ner: AnalyzerEngine | None
    ner_language: str
    ner_name: str
    anonymizer: AnonymizerEngine

    @classmethod
    def build(cls, spacy_model: str | None) -> _Engines:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NoOpNlpEngine, SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer
        from presidio_anonymizer import AnonymizerEngine

        noop = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
        noop.load()
        patterns = AnalyzerEngine(
            registry=RecognizerRegistry(_pattern_recognizers("en"), supported_languages=["en"]),
            nlp_engine=noop,
            supported_languages=["en"],
        )
        ner, language, name = None, "", ""
        if spacy_model is not None:
            import spacy

            pipeline = spacy.load(spacy_model)
            language, name = str(pipeline.lang), Path(spacy_model).name
            # Handing Presidio the loaded pipeline keeps it from downloading anything.
            engine = SpacyNlpEngine(models=[{"lang_code": language, "model_name": spacy_model}])
            engine.nlp = {language: pipeline}  # type: ignore[assignment]
            recognizers = [
                *_pattern_recognizers(language),
                SpacyRecognizer(supported_language=language, supported_entities=[*NER_ENTITIES]),
            ]
            ner = AnalyzerEngine(
                registry=RecognizerRegistry(recognizers, supported_languages=[language]),
                nlp_engine=engine,
                supported_languages=[language],
            )
        return cls(patterns, ner, language, name, AnonymizerEngine())  # type: ignore[no-untyped-call]


def _pattern_recognizers(language: str) -> list[EntityRecognizer]:
    import tldextract
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UrlRecognizer,
    )

    # The public-suffix snapshot shipped in the package: no URL to fetch, no cache to write.
    offline = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return bool(offline(pattern_text).fqdn)

    base = UrlRecognizer.BASE_URL_REGEX
    url_patterns = [
        Pattern("URL with scheme", r"(?i)https?://" + base, 0.6),
        Pattern("URL starting www.", r"(?i)\b(?=www\d{0,3}\.)" + base, 0.5),
    ]
    return [
        OfflineEmailRecognizer(supported_language=language),
        PhoneRecognizer(supported_language=language, supported_regions=PHONE_REGIONS),
        CreditCardRecognizer(supported_language=language),
        IbanRecognizer(supported_language=language),
        IpRecognizer(supported_language=language),
        UrlRecognizer(patterns=url_patterns, supported_language=language),
    ]


def _without_overlaps(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """The strongest of overlapping findings (then the longest), so spans never nest."""
    kept: list[Any] = []
    for result in sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start)):
        if all(result.end <= k.start or result.start >= k.end for k in kept):
            kept.append(result)
    return kept


def _for_anonymizer(results: list[RecognizerResult]) -> list[Any]:
    from presidio_anonymizer.entities import RecognizerResult as Found

    return [Found(r.entity_type, r.start, r.end, r.score) for r in results]


def _check_spacy_model(name: str) -> None:
    import spacy.util

    if not (spacy.util.is_package(name) or Path(name).is_dir()):
        raise ConfigError(
            f"setting 'redaction_spacy_model': spaCy pipeline {name!r} is not installed "
            "(install its package, or give a pipeline directory); it is never downloaded"
        )
