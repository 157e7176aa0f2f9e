"""The services a node runs, built from settings: one object per engine, one registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glassbox.entries import Action
from glassbox.services import (
    MULTILINGUAL_MODEL,
    Prepared,
    Result,
    ServiceRegistry,
    SpeechService,
    Transcriber,
    bundled_models,
    parse_model_setting,
)
from glassbox.services.text import (
    DetectService,
    LanguageDetector,
    Redactor,
    RedactService,
    TranslateService,
    Translator,
    build_translator,
)
from glassbox.settings import Settings

MODEL_ALIASES = {"whisper-1": MULTILINGUAL_MODEL}  # OpenAI's name for a multilingual model


@dataclass(frozen=True)
class Services:
    """The engines (for what the HTTP API lists: models, languages) and the registry."""

    registry: ServiceRegistry
    transcriber: Transcriber
    translator: Translator | None

    def run_held(self, action: Action, payload: bytes, params: dict[str, Any]) -> Result:
        """Run a held request from its stored payload and parameters (the review runner)."""
        return self.registry.get(action).run(Prepared(payload, dict(params)))


def build_services(settings: Settings) -> Services:
    """Every service, configured by `settings`; models load on first use, not here."""
    extra = settings.whisper_models.strip()
    models = {
        **bundled_models(settings.models_path),
        **(parse_model_setting(extra) if extra else {}),
    }
    transcriber = Transcriber(
        models,
        aliases=MODEL_ALIASES,
        max_concurrent=settings.transcribe_concurrency,
        queue_timeout=settings.transcribe_queue_timeout,
        cpu_threads=settings.transcribe_threads,
        batch_seconds=settings.transcribe_batch_seconds,
        batch_size=settings.transcribe_batch_size,
    )
    translator = build_translator(
        settings.translation_engine,
        models_dir=settings.translation_models_path,
        cache_dir=settings.data_dir / "cache" / "translation",
        preference=settings.translation_order,
    )
    redactor = Redactor(spacy_models=settings.redaction_models)
    detector = LanguageDetector(low_accuracy=settings.detect_accuracy == "low")
    speech = [
        SpeechService(
            task,
            transcriber,
            max_upload_bytes=settings.max_upload_bytes,
            max_audio_seconds=settings.max_audio_seconds,
            redactor=redactor,
        )
        for task in ("transcribe", "translate")
    ]
    chars = settings.max_text_chars
    registry = ServiceRegistry(
        [
            *speech,
            TranslateService(translator, redactor, max_chars=chars),
            DetectService(detector, max_chars=chars),
            RedactService(redactor, max_chars=chars),
        ]
    )
    return Services(registry, transcriber, translator)
