"""Fixtures for the services tests: spoken English and the bundled tiny.en model, once a session."""

from __future__ import annotations

import pytest

from glassbox.services import (
    DEFAULT_MODEL,
    Audio,
    Transcriber,
    Transcript,
    bundled_models,
    decode_audio,
)
from tests.services._speech import SENTENCE, espeak, speak


@pytest.fixture(scope="session")
def spoken_wav(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """espeak-ng speaking SENTENCE, as the WAV file it writes (22.05 kHz mono, 16-bit)."""
    return speak(SENTENCE, tmp_path_factory.mktemp("speech") / "speech.wav", espeak())


@pytest.fixture(scope="session")
def speech(spoken_wav: bytes) -> Audio:
    return decode_audio(spoken_wav)


@pytest.fixture(scope="session")
def transcriber() -> Transcriber:
    """The real tiny.en model, also reachable as OpenAI's "whisper-1"; loaded once a session."""
    return Transcriber(bundled_models(), aliases={"whisper-1": DEFAULT_MODEL})


@pytest.fixture(scope="session")
def transcript(transcriber: Transcriber, speech: Audio) -> Transcript:
    """SENTENCE transcribed with word timestamps."""
    return transcriber.transcribe(speech, model="whisper-1", word_timestamps=True)
