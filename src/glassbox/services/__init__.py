"""The AI services a Glassbox node governs: for now, speech-to-text with Whisper.

Audio is decoded in memory (`decode_audio`), transcribed by a `Transcriber`
that loads each configured model once and bounds how many requests run at
a time, and rendered in OpenAI's response formats (`render`).
"""

from ._audio import Audio, decode_audio
from ._formats import RESPONSE_FORMATS, render, validate_request_params
from ._models import DEFAULT_MODEL, ModelSpec, bundled_models, parse_model_setting
from ._transcript import Segment, Transcript, Word
from ._whisper import Transcriber

__all__ = [
    "DEFAULT_MODEL",
    "RESPONSE_FORMATS",
    "Audio",
    "ModelSpec",
    "Segment",
    "Transcriber",
    "Transcript",
    "Word",
    "bundled_models",
    "decode_audio",
    "parse_model_setting",
    "render",
    "validate_request_params",
]
