"""Long audio: decoded only where there is speech, and in batches past a length."""

from __future__ import annotations

import ctranslate2
import numpy as np
import pytest

from glassbox.services import Audio, Transcriber, bundled_models, decode_audio
from tests.services._speech import espeak, speak
from tests.services._wer import wer

TEXT = (
    "The committee met on Monday to discuss the budget. Everyone agreed that the roads "
    "need repair before winter. The library will open on Sundays from next month."
)


@pytest.fixture(scope="module")
def long_speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[Audio, str, float]:
    """Speech, a minute of silence, and the same speech again (about 80 s); and when the
    silence starts, in seconds."""
    wav = tmp_path_factory.mktemp("long") / "speech.wav"
    spoken = decode_audio(speak(TEXT, wav, espeak())).samples
    silence = np.zeros(16_000 * 60, dtype=np.float32)
    samples = np.concatenate([spoken, silence, spoken])
    return Audio(samples, len(samples) / 16_000), f"{TEXT} {TEXT}", len(spoken) / 16_000


@pytest.mark.parametrize("batch_seconds", [0, 60])
def test_long_audio_is_transcribed_whole_without_filling_the_silence(
    long_speech: tuple[Audio, str, float], batch_seconds: float
) -> None:
    audio, text, quiet = long_speech
    # Where a decode looks like a failure Whisper retries it by sampling, hotter: seed the
    # sampling, and use one CPU thread (with several, CTranslate2's sums vary with the
    # machine's load), so that tiny.en on synthetic speech gives the same words each run.
    ctranslate2.set_random_seed(7)
    transcriber = Transcriber(bundled_models(), batch_seconds=batch_seconds, cpu_threads=1)
    transcript = transcriber.transcribe(audio, model="tiny.en", language="en")
    assert wer(text, transcript.text) <= 0.15, transcript.text
    assert bool(transcriber._batched) is (batch_seconds > 0)  # the batched pipeline ran
    # Nothing is made up for the minute of silence (a second of slack at each end).
    inside = [s for s in transcript.segments if quiet + 1 < s.start and s.end < quiet + 59]
    assert inside == [], inside
