"""Fixtures for the services tests: spoken English and the bundled tiny.en model, once a session."""

from __future__ import annotations

import pytest

from glassbox.services import (
    DEFAULT_MODEL,
    MULTILINGUAL_MODEL,
    Audio,
    SpeechService,
    Transcriber,
    Transcript,
    bundled_models,
    decode_audio,
)
from glassbox.settings import load_settings
from tests.services._speech import SENTENCE, SENTENCES, espeak, speak


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


@pytest.fixture(scope="session")
def speech_service() -> SpeechService:
    """Transcription as the server runs it: tiny.en and the bundled multilingual base,
    with `whisper-1` naming base (the model cache is the machine's, as for the server)."""
    models = bundled_models(load_settings(environ={}).models_path)
    transcriber = Transcriber(models, aliases={"whisper-1": MULTILINGUAL_MODEL})
    return SpeechService(
        "transcribe", transcriber, max_upload_bytes=10_000_000, max_audio_seconds=600
    )


@pytest.fixture(scope="session")
def voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One sentence in each of several languages, spoken by espeak-ng's voices (WAV bytes)."""
    folder = tmp_path_factory.mktemp("voices")
    return {
        code: speak(text, folder / f"{code}.wav", espeak(), voice=code)
        for code, text in SENTENCES.items()
    }
