"""Transcripts render in OpenAI's response formats, byte for byte where the format is fixed."""

from __future__ import annotations

import json
import re

import pytest

from glassbox.errors import InputError
from glassbox.services import (
    RESPONSE_FORMATS,
    Segment,
    Transcript,
    Word,
    render,
    validate_request_params,
)


def _segment(number: int, start: float, end: float, text: str) -> Segment:
    return Segment(
        id=number,
        start=start,
        end=end,
        text=text,
        tokens=(50364, 1000 + number),
        temperature=0.0,
        avg_logprob=-0.25,
        compression_ratio=1.5,
        no_speech_prob=0.01,
        seek=number * 3000,
    )


KNOWN = Transcript(
    text="Hello there. General Kenobi --> you are a bold one.",
    language="en",
    duration=3725.75,
    segments=(
        _segment(0, 0.0, 1.0, " Hello there."),
        _segment(1, 1.0, 2.5, " General Kenobi -->"),
        _segment(2, 3723.041, 3725.5, " you are\na bold one."),
    ),
    words=(Word("Hello", 0.0, 0.4), Word("there.", 0.5, 1.0)),
)

SRT = """\
1
00:00:00,000 --> 00:00:01,000
Hello there.

2
00:00:01,000 --> 00:00:02,500
General Kenobi ->

3
01:02:03,041 --> 01:02:05,500
you are a bold one.

"""

VTT = """\
WEBVTT

00:00:00.000 --> 00:00:01.000
Hello there.

00:00:01.000 --> 00:00:02.500
General Kenobi ->

01:02:03.041 --> 01:02:05.500
you are a bold one.

"""


def test_json() -> None:
    body, media_type, obj = render(KNOWN, "json")
    # usage as OpenAI reports it for models billed by duration: whole seconds, rounded up
    assert obj == {"text": KNOWN.text, "usage": {"type": "duration", "seconds": 3726}}
    assert json.loads(body) == obj
    assert media_type == "application/json"


def test_text_is_the_plain_text() -> None:
    body, media_type, obj = render(KNOWN, "text")
    assert body == (KNOWN.text + "\n").encode()
    assert (media_type, obj) == ("text/plain; charset=utf-8", None)


def test_srt() -> None:
    body, media_type, obj = render(KNOWN, "srt")
    assert body.decode() == SRT
    assert (media_type, obj) == ("text/plain; charset=utf-8", None)


def test_vtt() -> None:
    body, media_type, obj = render(KNOWN, "vtt")
    assert body.decode() == VTT
    assert (media_type, obj) == ("text/vtt; charset=utf-8", None)


def test_empty_transcript() -> None:
    empty = Transcript(text="", language="en", duration=1.0, segments=(), words=())
    assert render(empty, "json")[2] == {"text": "", "usage": {"type": "duration", "seconds": 1}}
    assert render(empty, "text")[0] == b"\n"
    assert render(empty, "srt")[0] == b""
    assert render(empty, "vtt")[0] == b"WEBVTT\n\n"
    assert render(empty, "verbose_json")[2] == {
        "task": "transcribe",
        "language": "english",
        "duration": 1.0,
        "text": "",
        "segments": [],
        "usage": {"type": "duration", "seconds": 1},
    }
    identified = Transcript("", "fr", 1.0, (), (), language_probability=0.93)
    assert render(identified, "verbose_json")[2]["language_probability"] == 0.93


SEGMENT_KEYS = [
    "id",
    "seek",
    "start",
    "end",
    "text",
    "tokens",
    "temperature",
    "avg_logprob",
    "compression_ratio",
    "no_speech_prob",
]


@pytest.mark.parametrize(
    ("granularities", "has_segments", "has_words"),
    [
        ((), True, False),
        (("segment",), True, False),
        (("word",), False, True),  # OpenAI leaves segments out when only words are asked for
        (("segment", "word"), True, True),
        (("word", "segment"), True, True),
    ],
)
def test_verbose_json(granularities: tuple[str, ...], has_segments: bool, has_words: bool) -> None:
    body, media_type, obj = render(KNOWN, "verbose_json", granularities=granularities)
    assert media_type == "application/json"
    assert json.loads(body) == obj
    assert obj is not None
    assert list(obj)[:4] == ["task", "language", "duration", "text"]
    assert obj["task"] == "transcribe"
    assert obj["language"] == "english"
    assert obj["duration"] == 3725.75
    assert obj["text"] == KNOWN.text
    assert ("segments" in obj) is has_segments
    assert ("words" in obj) is has_words
    if has_segments:
        assert [list(s) for s in obj["segments"]] == [SEGMENT_KEYS] * 3
        assert obj["segments"][2] == {
            "id": 2,
            "seek": 6000,
            "start": 3723.041,
            "end": 3725.5,
            "text": " you are\na bold one.",
            "tokens": [50364, 1002],
            "temperature": 0.0,
            "avg_logprob": -0.25,
            "compression_ratio": 1.5,
            "no_speech_prob": 0.01,
        }
    if has_words:
        assert obj["words"] == [
            {"word": "Hello", "start": 0.0, "end": 0.4},
            {"word": "there.", "start": 0.5, "end": 1.0},
        ]


def test_translation_says_so() -> None:
    translated = Transcript("Hi.", "fr", 1.0, (), (), task="translate")
    obj = render(translated, "verbose_json")[2]
    assert obj is not None
    assert (obj["task"], obj["language"]) == ("translate", "french")


def test_unknown_format() -> None:
    with pytest.raises(InputError, match="response_format 'xml'"):
        render(KNOWN, "xml")


_SRT_CUE = re.compile(r"(\d+):(\d\d):(\d\d),(\d\d\d) --> (\d+):(\d\d):(\d\d),(\d\d\d)")
_VTT_CUE = re.compile(r"(\d+):(\d\d):(\d\d)\.(\d\d\d) --> (\d+):(\d\d):(\d\d)\.(\d\d\d)")


def _cue_times(text: str, pattern: re.Pattern[str]) -> list[float]:
    """Every cue's start and end, in seconds, in order."""
    times = []
    for match in pattern.finditer(text):
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, match.groups())
        times += [h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000]
    return times


@pytest.mark.parametrize(("name", "pattern"), [("srt", _SRT_CUE), ("vtt", _VTT_CUE)])
def test_subtitle_timestamps_round_trip(name: str, pattern: re.Pattern[str]) -> None:
    for transcript in (KNOWN,):
        text = render(transcript, name)[0].decode()
        expected = [t for s in transcript.segments for t in (s.start, s.end)]
        assert _cue_times(text, pattern) == pytest.approx(expected, abs=0.0005)


@pytest.mark.parametrize("response_format", RESPONSE_FORMATS)
def test_real_transcript_renders_in_every_format(
    transcript: Transcript, response_format: str
) -> None:
    granularities = ("segment", "word") if response_format == "verbose_json" else ()
    validate_request_params(response_format, 0.0, granularities)
    body, _, obj = render(transcript, response_format, granularities=granularities)
    text = body.decode()
    expected = [t for s in transcript.segments for t in (s.start, s.end)]
    if response_format == "srt":
        assert _cue_times(text, _SRT_CUE) == pytest.approx(expected, abs=0.0005)
    elif response_format == "vtt":
        assert text.startswith("WEBVTT\n\n")
        assert _cue_times(text, _VTT_CUE) == pytest.approx(expected, abs=0.0005)
    elif response_format == "text":
        assert text == transcript.text + "\n"
    else:
        assert obj is not None and json.loads(body) == obj
        assert obj["text"] == transcript.text
    if response_format == "verbose_json":
        assert obj is not None
        assert len(obj["segments"]) == len(transcript.segments)
        assert [w["word"] for w in obj["words"]] == [w.word for w in transcript.words]


@pytest.mark.parametrize(
    ("response_format", "temperature", "granularities"),
    [
        ("json", 0.0, ()),
        ("text", 1.0, ()),
        ("srt", 0.5, ()),
        ("vtt", 0.0, []),
        ("verbose_json", 0.0, ("word",)),
        ("verbose_json", 0.2, ("segment", "word")),
    ],
)
def test_accepted_parameters(
    response_format: str, temperature: float, granularities: tuple[str, ...]
) -> None:
    validate_request_params(response_format, temperature, granularities)


@pytest.mark.parametrize(
    ("response_format", "temperature", "granularities", "message"),
    [
        ("xml", 0.0, (), "response_format 'xml'"),
        ("JSON", 0.0, (), "response_format 'JSON'"),
        ("json", -0.1, (), "temperature"),
        ("json", 1.01, (), "temperature"),
        ("json", float("nan"), (), "temperature"),
        ("json", 0.0, ("word",), "verbose_json"),
        ("text", 0.0, ("segment",), "verbose_json"),
        ("verbose_json", 0.0, ("sentence",), "'sentence'"),
    ],
)
def test_rejected_parameters(
    response_format: str, temperature: float, granularities: tuple[str, ...], message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        validate_request_params(response_format, temperature, granularities)
    assert caught.value.status == 400
