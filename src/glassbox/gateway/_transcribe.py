"""Speech to text through the governed path: OpenAI `/v1/audio/transcriptions` and
`/v1/audio/translations` (speech in any language to English text)."""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.concurrency import run_in_threadpool

from glassbox.entries import canonical
from glassbox.errors import GlassboxError, InputError, PayloadTooLarge, UnsupportedMedia
from glassbox.gateway._gateway import Call, Gateway, Reply
from glassbox.gateway._review import Review
from glassbox.services import (
    Audio,
    ModelSpec,
    Transcriber,
    Transcript,
    decode_audio,
    render,
    validate_request_params,
)

_log = logging.getLogger(__name__)
DEFAULT_REQUEST_MODEL = "whisper-1"


@dataclass
class TranscriptionForm:
    """The request's fields as sent, not yet validated."""

    upload: bytes | None = None
    model: str | None = None
    language: str | None = None
    prompt: str | None = None
    response_format: str | None = None
    temperature: str | None = None
    granularities: list[str] = field(default_factory=list)
    purpose: str | None = None


class Transcription:
    """Validates, decides, transcribes (or translates) and logs one speech request."""

    def __init__(
        self,
        gateway: Gateway,
        review: Review,
        transcriber: Transcriber,
        *,
        max_upload_bytes: int,
        max_audio_seconds: float,
        task: str = "transcribe",
        redactor: TextRedactor | None = None,
    ) -> None:
        self._gateway = gateway
        self._review = review
        self._transcriber = transcriber
        self._max_upload = max_upload_bytes
        self._max_seconds = max_audio_seconds
        self._task = task
        self._redactor = redactor
        self.action = "transcribe" if task == "transcribe" else "translate_speech"
        review.runners[self.action] = self.run

    async def handle(
        self, call: Call, form: TranscriptionForm | GlassboxError, purpose_header: str | None
    ) -> Reply:
        try:
            return await self._handle(call, form, purpose_header)
        except GlassboxError as exc:
            return await self._gateway.fail(call, exc)
        except Exception:
            _log.exception("transcription failed unexpectedly")
            return await self._gateway.fail(call, GlassboxError("internal error"))

    async def _handle(
        self, call: Call, form: TranscriptionForm | GlassboxError, purpose_header: str | None
    ) -> Reply:
        if isinstance(form, GlassboxError):
            raise form
        call.resolve_purpose(form.purpose or purpose_header)
        fmt = form.response_format or "json"
        temperature = _temperature(form.temperature)
        validate_request_params(fmt, temperature, form.granularities)
        spec = self._model(form.model or DEFAULT_REQUEST_MODEL)
        call.details["model"] = spec.name
        if self._task == "translate" and not spec.multilingual:  # refuse before holding it
            raise InputError(
                f"translation needs a multilingual Whisper model and {spec.name!r} is "
                "English-only; configure one in setting 'whisper_models' "
                "(a CTranslate2 conversion such as whisper-small)"
            )
        if form.upload is None:
            raise InputError("the request has no 'file' field: send the audio as multipart 'file'")
        if len(form.upload) > self._max_upload:
            raise PayloadTooLarge(
                f"the file is {len(form.upload)} bytes; the limit is {self._max_upload} bytes"
            )
        if not form.upload:
            raise UnsupportedMedia("the uploaded file is empty")
        call.commits.add("input", form.upload)
        audio = await run_in_threadpool(decode_audio, form.upload, max_seconds=self._max_seconds)
        call.audio_seconds = audio.duration

        params: dict[str, Any] = {
            "model": spec.name,
            "language": form.language or None,
            "prompt": form.prompt or None,
            "response_format": fmt,
            "temperature": temperature,
            "granularities": list(form.granularities),
            "task": self._task,
        }
        decision = await run_in_threadpool(self._gateway.decide, call)
        params["redact"] = decision.redact_output
        if decision.outcome == "deny":
            return await self._gateway.refuse(call, decision)
        if decision.outcome == "review":
            return await self._review.hold(call, decision, form.upload, params)

        body, media_type, obj = await self._transcribe(audio, params)
        if decision.redact_output:
            call.details["redacted"] = True
        call.commits.add("output", canonical(obj) if obj is not None else body)
        rec = await self._gateway.record(call, "served", reasons=decision.reasons)
        if obj is not None:
            body = json.dumps({**obj, "glassbox_receipt": rec}).encode()
        return Reply(200, body, media_type, self._gateway.receipt_headers(call, rec))

    async def run(
        self, payload: bytes, params: dict[str, Any]
    ) -> tuple[bytes, str, dict[str, Any] | None]:
        """Transcribe a held request's stored upload with its stored parameters."""
        audio = await run_in_threadpool(decode_audio, payload, max_seconds=self._max_seconds)
        return await self._transcribe(audio, params)

    async def _transcribe(
        self, audio: Audio, params: dict[str, Any]
    ) -> tuple[bytes, str, dict[str, Any] | None]:
        transcript = await run_in_threadpool(
            self._transcriber.transcribe,
            audio,
            model=params["model"],
            language=params["language"],
            prompt=params["prompt"],
            temperature=params["temperature"],
            word_timestamps="word" in params["granularities"],
            task=params.get("task", "transcribe"),
        )
        if params.get("redact"):
            if self._redactor is None:
                raise GlassboxError("the policy requires redaction but no redactor is available")
            transcript = await run_in_threadpool(redact_transcript, transcript, self._redactor)
        return render(transcript, params["response_format"], granularities=params["granularities"])

    def _model(self, name: str) -> ModelSpec:
        """The model to use; for translation the default alias picks a multilingual model."""
        spec = self._transcriber.resolve(name)
        if self._task == "translate" and not spec.multilingual and name == DEFAULT_REQUEST_MODEL:
            for other in self._transcriber.model_names():
                candidate = self._transcriber.resolve(other)
                if candidate.multilingual:
                    return candidate
        return spec


class TextRedactor(Protocol):
    def redact(self, text: str, *, language: str = "en") -> Any: ...


def redact_transcript(transcript: Transcript, redactor: TextRedactor) -> Transcript:
    """The transcript with personal data replaced in its text and segments; words dropped."""
    segments = tuple(
        dataclasses.replace(s, text=redactor.redact(s.text).text) for s in transcript.segments
    )
    return dataclasses.replace(
        transcript, text=redactor.redact(transcript.text).text, segments=segments, words=()
    )


def _temperature(raw: str | None) -> float:
    if raw is None or raw == "":
        return 0.0
    try:
        return float(raw)
    except ValueError:
        raise InputError(f"temperature {raw!r} is not a number") from None
