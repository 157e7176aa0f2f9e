"""The AI services a Glassbox node governs, each behind one small interface (`Service`).

Speech: audio is decoded in memory (`decode_audio`), transcribed by a `Transcriber`
that loads each configured model once and bounds how many requests run at a time,
and rendered in OpenAI's response formats (`render`); `SpeechService` puts that on
the governed path. Text services live in `glassbox.services.text`. Nothing here
knows of the log, policy or review: the gateway takes every service through them.
"""

from ._audio import Audio, decode_audio
from ._bundled import BASE_MODEL_SHA256
from ._formats import RESPONSE_FORMATS, render, validate_request_params
from ._interface import Prepared, Result, Service, ServiceRegistry, Streamed, StreamingService
from ._models import (
    DEFAULT_MODEL,
    MULTILINGUAL_MODEL,
    ModelSpec,
    bundled_models,
    parse_model_setting,
)
from ._slots import Slots
from ._speech import SpeechService, redact_transcript
from ._transcript import Segment, Transcript, Word
from ._whisper import ModelInfo, Spoken, Transcriber

__all__ = [
    "BASE_MODEL_SHA256",
    "DEFAULT_MODEL",
    "MULTILINGUAL_MODEL",
    "RESPONSE_FORMATS",
    "Audio",
    "ModelInfo",
    "ModelSpec",
    "Prepared",
    "Result",
    "Segment",
    "Service",
    "ServiceRegistry",
    "Slots",
    "SpeechService",
    "Spoken",
    "Streamed",
    "StreamingService",
    "Transcriber",
    "Transcript",
    "Word",
    "bundled_models",
    "decode_audio",
    "parse_model_setting",
    "redact_transcript",
    "render",
    "validate_request_params",
]
