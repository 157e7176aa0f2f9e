"""The shipped speech sample is small, 16 kHz mono FLAC, and says SAMPLE_TEXT."""

from __future__ import annotations

import av

from glassbox.assets import SAMPLE_TEXT, sample_audio_path
from glassbox.services import Transcriber, decode_audio
from tests.services._wer import wer


def test_sample_is_small_mono_16khz_flac() -> None:
    path = sample_audio_path()
    assert path.is_file() and path.stat().st_size < 100_000
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert container.format.name == "flac"
        assert (stream.codec_context.name, stream.rate, stream.channels) == ("flac", 16_000, 1)


def test_sample_says_the_sample_text(transcriber: Transcriber) -> None:
    audio = decode_audio(sample_audio_path().read_bytes())
    assert 2.0 < audio.duration < 10.0
    transcript = transcriber.transcribe(audio, model="tiny.en")
    assert wer(SAMPLE_TEXT, transcript.text) <= 0.15, transcript.text
