"""`stream=true`: the official openai client reads the transcript as it is decoded.

The decision entry is appended once, when the stream ends, and covers the whole output;
a client that goes away mid-stream leaves a `failed` entry saying how much it was sent.
"""

from __future__ import annotations

import base64
import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import openai
import pytest
from openai import OpenAI

from glassbox.entries import canonical, commitment
from glassbox.services import decode_audio
from tests.services._speech import encode, espeak, speak
from tests.services._wer import wer
from tests.web.conftest import Live
from tests.web.test_transcriptions import entry_count, stored_entry

PARAGRAPH = (
    "The committee met on Monday to discuss the budget. Everyone agreed that the roads "
    "need repair before winter. The library will open on Sundays from next month. "
    "Volunteers are welcome to help at the community garden. The next meeting is in two "
    "weeks, at the town hall, at seven in the evening."
)


@pytest.fixture(scope="module")
def paragraph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About twenty seconds of speech (several segments, so several deltas), as Ogg Opus:
    small enough for the test server's upload limit."""
    folder = tmp_path_factory.mktemp("paragraph")
    samples = decode_audio(speak(PARAGRAPH, folder / "paragraph.wav", espeak())).samples
    ogg = folder / "paragraph.ogg"
    ogg.write_bytes(encode(samples, container="ogg", codec="libopus", rate=48_000))
    return ogg


@pytest.fixture(scope="module")
def long_paragraph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The paragraph three times (about a minute): Whisper decodes 30-second windows and
    hands out a window's segments together, so a client that leaves after the first
    delta leaves while later windows are still being decoded."""
    folder = tmp_path_factory.mktemp("long-paragraph")
    text = " ".join([PARAGRAPH] * 3)
    samples = decode_audio(speak(text, folder / "long.wav", espeak())).samples
    ogg = folder / "long.ogg"
    ogg.write_bytes(encode(samples, container="ogg", codec="libopus", rate=48_000, bit_rate=24_000))
    return ogg


def _wait_for_entries(live: Live, count: int) -> None:
    deadline = time.monotonic() + 60
    while entry_count(live) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"the log never reached {count} entries")
        time.sleep(0.05)


def test_the_openai_client_streams_deltas_then_the_whole_text_with_a_receipt(
    live: Live, openai_client: Callable[..., OpenAI], paragraph: Path
) -> None:
    before = entry_count(live)
    with paragraph.open("rb") as f:
        stream = openai_client().audio.transcriptions.create(
            model="tiny.en", file=f, language="en", stream=True
        )
        events = list(stream)
    deltas = [e.delta for e in events if e.type == "transcript.text.delta"]
    (done,) = [e for e in events if e.type == "transcript.text.done"]
    assert events[-1] is done and len(deltas) >= 2
    assert "".join(deltas).strip() == done.text and wer(PARAGRAPH, done.text) <= 0.2
    extra = done.model_extra or {}
    receipt = extra["glassbox_receipt"]
    assert receipt["index"] == before  # logged once, when the stream ended
    entry = stored_entry(live, before)
    assert json.loads(receipt["entry"]) == entry
    assert entry["outcome"] == "served" and entry["action"] == "transcribe"
    salt = base64.b64decode(receipt["salts"]["output"])
    usage = done.model_dump(exclude_none=True)["usage"]  # as for models billed by duration
    assert usage == {"type": "duration", "seconds": math.ceil(entry["audio_seconds"])}
    document = {"text": done.text, "usage": usage}
    assert entry["output"] == commitment(salt, canonical(document))  # opens to what was sent


def test_a_format_that_cannot_stream_is_a_clear_400(
    live: Live, openai_client: Callable[..., OpenAI]
) -> None:
    before = entry_count(live)
    with live.speech.open("rb") as f, pytest.raises(openai.BadRequestError) as caught:
        openai_client().audio.transcriptions.create(
            model="tiny.en", file=f, response_format="verbose_json", stream=True
        )
    assert "response_format json or text" in str(caught.value)
    assert stored_entry(live, before)["outcome"] == "failed"


def test_a_client_that_goes_away_mid_stream_still_leaves_an_entry(
    live: Live, long_paragraph: Path
) -> None:
    before = entry_count(live)
    headers = {"Authorization": f"Bearer {live.keys['Acme Captions']}"}
    files = {"file": ("p.ogg", long_paragraph.read_bytes(), "audio/ogg")}
    data = {"model": "tiny.en", "language": "en", "stream": "true"}
    with httpx.stream(
        "POST",
        f"{live.url}/v1/audio/transcriptions",
        headers=headers,
        files=files,
        data=data,
        timeout=120,
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        first = next(response.iter_lines())
        assert json.loads(first.removeprefix("data: "))["type"] == "transcript.text.delta"
    _wait_for_entries(live, before + 1)  # the connection closed after the first delta
    entry = stored_entry(live, before)
    assert entry["outcome"] == "failed" and entry["error"] == "disconnected"
    assert 0 < entry["streamed_characters"] < 2 * len(PARAGRAPH)
    assert entry_count(live) == before + 1  # exactly one entry, never none


def test_streaming_is_governed_like_any_request(live: Live) -> None:
    """A forbidden purpose is refused before anything streams (a 403, not events)."""
    headers = {
        "Authorization": f"Bearer {live.keys['Acme Captions']}",
        "Glassbox-Purpose": "surveillance",
    }
    files = {"file": ("s.wav", live.speech.read_bytes(), "audio/wav")}
    resp = httpx.post(
        f"{live.url}/v1/audio/transcriptions",
        headers=headers,
        files=files,
        data={"model": "tiny.en", "stream": "true"},
        timeout=120,
    )
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "policy_denied"
