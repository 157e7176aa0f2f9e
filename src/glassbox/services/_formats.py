"""Render a transcript the way OpenAI's audio API does, for each `response_format`."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from glassbox.errors import InputError

from ._languages import LANGUAGE_NAMES
from ._transcript import Segment, Transcript

RESPONSE_FORMATS = ("json", "text", "srt", "vtt", "verbose_json")
TIMESTAMP_GRANULARITIES = ("segment", "word")

_JSON = "application/json"
_TEXT = "text/plain; charset=utf-8"
_VTT = "text/vtt; charset=utf-8"


def validate_request_params(
    response_format: str, temperature: float, granularities: Sequence[str]
) -> None:
    """Raise `InputError` unless the parameters are ones OpenAI's API accepts together.

    `temperature` must lie in 0..1, and timestamp granularities ("segment",
    "word") may only be asked for with `verbose_json`.
    """
    if response_format not in RESPONSE_FORMATS:
        raise InputError(
            f"response_format {response_format!r} is not one of {', '.join(RESPONSE_FORMATS)}"
        )
    if not (math.isfinite(temperature) and 0.0 <= temperature <= 1.0):
        raise InputError("temperature must be between 0 and 1")
    for granularity in granularities:
        if granularity not in TIMESTAMP_GRANULARITIES:
            raise InputError(
                f"timestamp_granularities may hold only {' and '.join(TIMESTAMP_GRANULARITIES)}, "
                f"not {granularity!r}"
            )
    if granularities and response_format != "verbose_json":
        raise InputError("timestamp_granularities needs response_format 'verbose_json'")


def render(
    transcript: Transcript, response_format: str, *, granularities: Sequence[str] = ()
) -> tuple[bytes, str, dict[str, Any] | None]:
    """Return the response body, its media type and, for the JSON formats, the JSON object.

    `verbose_json` holds segments unless only word timestamps were asked for,
    and words only when they were, as OpenAI's does.
    """
    if response_format == "json":
        return _json({"text": transcript.text, "usage": _usage(transcript)})
    if response_format == "verbose_json":
        return _json(_verbose(transcript, granularities))
    if response_format == "text":
        return (transcript.text + "\n").encode(), _TEXT, None
    if response_format == "srt":
        cues = (
            f"{number}\n{_srt_time(s.start)} --> {_srt_time(s.end)}\n{_cue_text(s)}\n\n"
            for number, s in enumerate(transcript.segments, start=1)
        )
        return "".join(cues).encode(), _TEXT, None
    if response_format == "vtt":
        cues = (
            f"{_vtt_time(s.start)} --> {_vtt_time(s.end)}\n{_cue_text(s)}\n\n"
            for s in transcript.segments
        )
        return ("WEBVTT\n\n" + "".join(cues)).encode(), _VTT, None
    raise InputError(
        f"response_format {response_format!r} is not one of {', '.join(RESPONSE_FORMATS)}"
    )


def _json(body: dict[str, Any]) -> tuple[bytes, str, dict[str, Any]]:
    return json.dumps(body, ensure_ascii=False).encode(), _JSON, body


def _usage(transcript: Transcript) -> dict[str, Any]:
    """OpenAI's usage for audio models billed by duration: the audio's whole seconds."""
    return {"type": "duration", "seconds": math.ceil(transcript.duration)}


def _verbose(transcript: Transcript, granularities: Sequence[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task": transcript.task,
        "language": LANGUAGE_NAMES.get(transcript.language, transcript.language),
        "duration": transcript.duration,
        "text": transcript.text,
    }
    if transcript.language_probability is not None:
        body["language_probability"] = transcript.language_probability
    if not granularities or "segment" in granularities:
        body["segments"] = [
            {
                "id": s.id,
                "seek": s.seek,
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "tokens": list(s.tokens),
                "temperature": s.temperature,
                "avg_logprob": s.avg_logprob,
                "compression_ratio": s.compression_ratio,
                "no_speech_prob": s.no_speech_prob,
            }
            for s in transcript.segments
        ]
    if "word" in granularities:
        body["words"] = [{"word": w.word, "start": w.start, "end": w.end} for w in transcript.words]
    body["usage"] = _usage(transcript)
    return body


def _cue_text(segment: Segment) -> str:
    # A cue is one paragraph; "-->" would be read as a timing line.
    return " ".join(segment.text.split()).replace("-->", "->")


def _split(seconds: float) -> tuple[int, int, int, int]:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return hours, minutes, secs, millis


def _srt_time(seconds: float) -> str:
    return "{:02d}:{:02d}:{:02d},{:03d}".format(*_split(seconds))


def _vtt_time(seconds: float) -> str:
    return "{:02d}:{:02d}:{:02d}.{:03d}".format(*_split(seconds))
