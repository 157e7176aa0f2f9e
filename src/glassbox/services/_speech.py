"""Speech to text as a governed service: OpenAI's transcriptions and translations.

`SpeechService("transcribe", ...)` serves `/v1/audio/transcriptions`,
`SpeechService("translate", ...)` serves `/v1/audio/translations` (speech in any
language to English text, with a multilingual Whisper model). The request's
fields are the multipart form's: `file` (bytes), `model`, `language`, `prompt`,
`response_format`, `temperature`, `timestamp_granularities`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from glassbox.entries import Action
from glassbox.errors import GlassboxError, InputError, PayloadTooLarge, UnsupportedMedia

from ._audio import decode_audio
from ._formats import render, validate_request_params
from ._interface import Prepared, Result
from ._languages import LANGUAGE_NAMES
from ._models import ModelSpec, model_sha256
from ._transcript import Transcript
from ._whisper import RunningTranscription, Transcriber

DEFAULT_REQUEST_MODEL = "whisper-1"
STREAMED_FORMATS = ("json", "text")
LANGUAGE_CONFIDENCE = 0.7
"""Below this probability an identified language is not trusted: the speech is not
transcribed (empty text) rather than decoded as a language it may not be in."""


class TextRedactor(Protocol):
    """What redacting a transcript needs (a `services.text.Redactor`)."""

    def redact(self, text: str, *, language: str = "en") -> Any: ...


class SpeechService:
    """Transcribes (or translates into English) one uploaded audio file."""

    def __init__(
        self,
        task: str,
        transcriber: Transcriber,
        *,
        max_upload_bytes: int,
        max_audio_seconds: float,
        redactor: TextRedactor | None = None,
    ) -> None:
        if task not in ("transcribe", "translate"):
            raise ValueError(f"unknown speech task {task!r}")
        self.action = Action.TRANSCRIBE if task == "transcribe" else Action.TRANSLATE_SPEECH
        self._task = task
        self._transcriber = transcriber
        self._max_upload = max_upload_bytes
        self._max_seconds = max_audio_seconds
        self._redactor = redactor

    def model_names(self) -> list[str]:
        return self._transcriber.model_names()

    def prepare(self, fields: Mapping[str, Any]) -> Prepared:
        fmt = _text(fields, "response_format") or "json"
        temperature = _temperature(_text(fields, "temperature"))
        granularities = list(fields.get("timestamp_granularities") or ())
        if not all(isinstance(g, str) for g in granularities):
            raise InputError("timestamp_granularities must be strings")
        validate_request_params(fmt, temperature, granularities)
        stream = _flag(fields.get("stream"), "stream")
        if stream and (self._task != "transcribe" or fmt not in STREAMED_FORMATS):
            raise InputError(
                "streaming (stream=true) gives transcriptions as text deltas: it needs "
                f"response_format {' or '.join(STREAMED_FORMATS)}, and not translations"
            )
        spec = self._model(_text(fields, "model") or DEFAULT_REQUEST_MODEL)
        if self._task == "translate" and not spec.multilingual:  # refuse before holding it
            raise InputError(
                f"translation needs a multilingual Whisper model and {spec.name!r} is "
                f"English-only: ask for {_either(self._transcriber.multilingual_names())}"
            )
        upload = fields.get("file")
        if upload is None:
            raise InputError("the request has no 'file' field: send the audio as multipart 'file'")
        if not isinstance(upload, bytes):
            raise InputError("the 'file' field must be a file upload, not text")
        if len(upload) > self._max_upload:
            raise PayloadTooLarge(
                f"the file is {len(upload)} bytes; the limit is {self._max_upload} bytes"
            )
        if not upload:
            raise UnsupportedMedia("the uploaded file is empty")
        deadline = self._transcriber.deadline()  # one queue timeout for the whole request
        audio = decode_audio(upload, max_seconds=self._max_seconds)
        language = self._transcriber.check_language(spec.name, _text(fields, "language"))
        details: dict[str, Any] = {"model": spec.name}
        speech = True
        if language is None:
            spoken = self._transcriber.identify(audio, deadline=deadline)
            speech = spoken.speech and spoken.probability >= LANGUAGE_CONFIDENCE
            if spoken.language is not None:
                details["language"] = spoken.language
                details["language_probability"] = spoken.probability
            if speech and spoken.language is not None:
                language = self._language_for(spec, spoken.language, spoken.probability)
        else:
            details["language"] = language
        params: dict[str, Any] = {
            "model": spec.name,
            "language": language,
            "language_probability": details.get("language_probability"),
            "speech": speech,
            "stream": stream,
            "prompt": _text(fields, "prompt") or None,
            "response_format": fmt,
            "temperature": temperature,
            "granularities": granularities,
            "task": self._task,
        }
        return Prepared(
            payload=upload,
            params=params,
            audio_seconds=audio.duration,
            language=details.get("language"),
            details=details,
            work=(audio, deadline),
        )

    def _language_for(self, spec: ModelSpec, language: str, probability: float) -> str:
        """The identified language, if `spec` can transcribe it; else a clear refusal."""
        if spec.multilingual or language == "en":
            return language
        name = LANGUAGE_NAMES.get(language, language).capitalize()
        raise InputError(
            f"the speech is in {name} ({language}, probability {probability:.2f}) and model "
            f"{spec.name!r} is English-only: ask for "
            f"{_either(self._transcriber.multilingual_names())}, or name the language"
        )

    def run(self, prepared: Prepared) -> Result:
        running = self.stream(prepared)
        for _ in running:
            pass
        return running.result()

    def stream(self, prepared: Prepared) -> SpeechStream:
        """Start transcribing: the text of each segment as it is decoded, then the result."""
        params = prepared.params
        if prepared.work is not None:
            audio, deadline = prepared.work
        else:  # a held request, run once reviewers approved it: its queue time starts now
            audio = decode_audio(prepared.payload, max_seconds=self._max_seconds)
            deadline = self._transcriber.deadline()
        redactor = None
        if params.get("redact"):
            if self._redactor is None:
                raise GlassboxError("the policy requires redaction but no redactor is available")
            redactor = self._redactor
        running = None
        if params.get("speech", True):
            running = self._transcriber.stream(
                audio,
                model=params["model"],
                language=params["language"],
                prompt=params["prompt"],
                temperature=params["temperature"],
                word_timestamps="word" in params["granularities"],
                task=params.get("task", "transcribe"),
                deadline=deadline,
            )
        spec = self._transcriber.resolve(params["model"])
        return SpeechStream(running, audio.duration, params, model_sha256(spec), redactor)

    def _model(self, name: str) -> ModelSpec:
        """The model to use; for translation the default alias picks a multilingual model."""
        spec = self._transcriber.resolve(name)
        if self._task == "translate" and not spec.multilingual and name == DEFAULT_REQUEST_MODEL:
            for other in self._transcriber.model_names():
                candidate = self._transcriber.resolve(other)
                if candidate.multilingual:
                    return candidate
        return spec


class SpeechStream:
    """A transcription as it is decoded: each segment's text (redacted if asked), then the
    whole result. Without speech (or none whose language could be trusted) it is empty,
    at once: nothing is decoded, so nothing is invented."""

    def __init__(
        self,
        running: RunningTranscription | None,
        duration: float,
        params: dict[str, Any],
        sha256: str,
        redactor: TextRedactor | None,
    ) -> None:
        self._running = running
        self._duration = duration
        self._params = params
        self._sha256 = sha256
        self._redactor = redactor
        # The language the text comes out in: English for speech translation.
        translated = params.get("task") == "translate"
        self._language = "en" if translated else (params.get("language") or "en")

    def __iter__(self) -> Iterator[str]:
        if self._running is None:
            return
        for text in self._running:
            if self._redactor is not None:
                text = self._redactor.redact(text, language=self._language).text
            yield text

    def result(self) -> Result:
        params = self._params
        if self._running is None:
            transcript = Transcript(
                text="",
                language=params["language"] or "",
                duration=self._duration,
                segments=(),
                words=(),
                task=params.get("task", "transcribe"),
            )
        else:
            transcript = self._running.transcript()
        transcript = dataclasses.replace(
            transcript, language_probability=params.get("language_probability")
        )
        details: dict[str, Any] = {"model": params["model"], "model_sha256": self._sha256}
        if self._redactor is not None:
            transcript = redact_transcript(transcript, self._redactor, self._language)
            details["redacted"] = True
        body, media_type, document = render(
            transcript, params["response_format"], granularities=params["granularities"]
        )
        return Result(body, media_type, document, details)

    def close(self) -> None:
        if self._running is not None:
            self._running.close()


def redact_transcript(
    transcript: Transcript, redactor: TextRedactor, language: str = "en"
) -> Transcript:
    """The transcript with personal data replaced in its text and segments; words dropped."""

    def redact(text: str) -> str:
        return str(redactor.redact(text, language=language).text)

    segments = tuple(dataclasses.replace(s, text=redact(s.text)) for s in transcript.segments)
    return dataclasses.replace(
        transcript, text=redact(transcript.text), segments=segments, words=()
    )


def _either(names: list[str]) -> str:
    if not names:
        return "a multilingual model (none is configured: see setting 'whisper_models')"
    return "a multilingual model: " + " or ".join(repr(n) for n in names)


def _flag(value: Any, name: str) -> bool:
    """A form's boolean: "true" or "false" (any case), or absent."""
    if value is None or value == "" or value is False:
        return False
    if value is True or (isinstance(value, str) and value.lower() == "true"):
        return True
    if isinstance(value, str) and value.lower() == "false":
        return False
    raise InputError(f"{name!r} must be true or false")


# The longest each text field may be. Whisper reads at most 224 tokens of a prompt (about
# 1,000 characters of English); the other fields are codes and names.
MAX_PROMPT_CHARS = 4000
MAX_FIELD_CHARS = 100


def _text(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if not isinstance(value, str):
        return None
    limit = MAX_PROMPT_CHARS if name == "prompt" else MAX_FIELD_CHARS
    if len(value) > limit:
        raise InputError(f"'{name}' is {len(value)} characters long; the limit is {limit}")
    return value


def _temperature(raw: str | None) -> float:
    if raw is None or raw == "":
        return 0.0
    try:
        return float(raw)
    except ValueError:
        raise InputError(f"temperature {raw!r} is not a number") from None
