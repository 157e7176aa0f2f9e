"""The app factory: nothing happens at import time; everything starts in lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

import glassbox
from glassbox.clients import ClientRegistry
from glassbox.gateway import Gateway, Review, TextServices, Transcription
from glassbox.node import Node, load_hold_key, load_pseudonym_key
from glassbox.report import ReportSchedule
from glassbox.review import Accounts, HoldBook, Sealer
from glassbox.services import DEFAULT_MODEL, Transcriber, bundled_models, parse_model_setting
from glassbox.services.text import LanguageDetector, Redactor, build_translator
from glassbox.settings import Settings
from glassbox.web import _console, _log_routes, _openai_routes, _operator, _text_routes
from glassbox.web._errors import install_error_handlers
from glassbox.web._transparency import router as transparency_router

MODEL_ALIASES = {"whisper-1": DEFAULT_MODEL}


def create_app(settings: Settings, *, integrate: bool = True) -> FastAPI:
    """Build the HTTP app for `settings`; the database opens when the app starts."""
    extra = settings.whisper_models.strip()
    models = {**bundled_models(), **(parse_model_setting(extra) if extra else {})}
    translator = build_translator(
        settings.translation_engine, cache_dir=settings.data_dir / "cache" / "translation"
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        node = Node.open(settings)
        pseudonym_key = load_pseudonym_key(settings)
        gateway = Gateway(node, ClientRegistry(node.engine, pseudonym_key))
        review = Review(
            gateway,
            HoldBook(node.engine, Sealer(load_hold_key(settings))),
            deadline=timedelta(hours=settings.hold_deadline_hours),
            result_ttl=timedelta(hours=settings.result_retention_hours),
        )
        transcriber = Transcriber(
            models,
            aliases=MODEL_ALIASES,
            max_concurrent=settings.transcribe_concurrency,
            queue_timeout=settings.transcribe_queue_timeout,
            cpu_threads=settings.transcribe_threads,
        )
        app.state.settings = settings
        app.state.node = node
        app.state.gateway = gateway
        app.state.transcriber = transcriber
        app.state.review = review
        app.state.accounts = Accounts(
            node.engine, pseudonym_key, session_hours=settings.session_hours
        )
        redactor = Redactor(spacy_model=settings.redaction_spacy_model or None)
        app.state.transcription, app.state.speech_translation = (
            Transcription(
                gateway,
                review,
                transcriber,
                task=task,
                max_upload_bytes=settings.max_upload_bytes,
                max_audio_seconds=settings.max_audio_seconds,
                redactor=redactor,
            )
            for task in ("transcribe", "translate")
        )
        app.state.translator = translator
        app.state.text = TextServices(
            gateway,
            review,
            translator=translator,
            detector=LanguageDetector(low_accuracy=settings.detect_accuracy == "low"),
            redactor=redactor,
            max_chars=settings.max_text_chars,
        )
        maintenance = schedule = None
        if integrate:
            node.start_background()
            maintenance = asyncio.create_task(review.run_forever())
            if settings.report_check_minutes:
                schedule = ReportSchedule(node, settings.report_check_minutes * 60).start()
        try:
            yield
        finally:
            if maintenance is not None:
                maintenance.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await maintenance
            if schedule is not None:
                schedule.stop()
            node.close()

    app = FastAPI(title="Glassbox", version=glassbox.__version__, lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(_log_routes.router)
    app.include_router(_openai_routes.router)
    app.include_router(_operator.router)
    app.include_router(_text_routes.router)
    app.include_router(_console.router)
    app.include_router(transparency_router)
    app.mount("/console/static", _console.static_files(), name="console-static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
