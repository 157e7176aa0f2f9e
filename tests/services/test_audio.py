"""Uploads decode, in memory, to 16 kHz mono float32 samples, or fail with an input error."""

from __future__ import annotations

import io
import struct
from functools import cache

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassbox.assets import sample_audio_path
from glassbox.errors import PayloadTooLarge, UnsupportedMedia
from glassbox.services import Audio, Transcriber, decode_audio
from tests.services._speech import SENTENCE, encode
from tests.services._wer import wer

# (container, encoder, sample rate) for each upload format OpenAI's API accepts.
FORMATS = {
    "mp3": ("mp3", "libmp3lame", 44_100),
    "m4a": ("ipod", "aac", 16_000),
    "ogg": ("ogg", "libopus", 48_000),
    "flac": ("flac", "flac", 16_000),
    "webm": ("webm", "libopus", 48_000),
}


@cache
def _sample() -> bytes:
    return sample_audio_path().read_bytes()


def _wav(pcm: bytes, *, rate: int = 16_000, codec: int = 1, extra: bytes = b"") -> bytes:
    """A WAV file around 16-bit mono PCM: a 44-byte header, or longer with `extra` chunks."""
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, codec, 1, rate, 2 * rate, 2, 16)
    body = b"WAVE" + fmt + extra + b"data" + struct.pack("<I", len(pcm)) + pcm
    return b"RIFF" + struct.pack("<I", len(body)) + body


@cache
def _sample_wav() -> bytes:
    samples = decode_audio(_sample()).samples
    return _wav(np.round(samples * 32767).astype("<i2").tobytes())


def _wav_duration(wav: bytes) -> float:
    with av.open(io.BytesIO(wav)) as container:
        stream = container.streams.audio[0]
        frames = sum(frame.samples for frame in container.decode(stream))
        return frames / stream.rate


def test_wav_decodes_to_16khz_mono_float32(spoken_wav: bytes, speech: Audio) -> None:
    assert speech.samples.dtype == np.float32
    assert speech.samples.ndim == 1
    assert speech.duration == pytest.approx(speech.samples.size / 16_000)
    assert speech.duration == pytest.approx(_wav_duration(spoken_wav), abs=0.01)
    assert 0.05 < float(np.abs(speech.samples).max()) <= 1.0


def test_samples_are_read_only(speech: Audio) -> None:
    with pytest.raises(ValueError):
        speech.samples[0] = 1.0


def test_stereo_is_mixed_down(speech: Audio) -> None:
    wav = encode(speech.samples, container="wav", codec="pcm_s16le", rate=44_100, channels=2)
    audio = decode_audio(wav)
    assert audio.samples.ndim == 1
    assert audio.duration == pytest.approx(speech.duration, abs=0.01)
    # Both channels hold the same signal, so the mix is that signal again.
    n = min(audio.samples.size, speech.samples.size)
    assert np.corrcoef(audio.samples[:n], speech.samples[:n])[0, 1] > 0.99


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_upload_format_decodes_and_transcribes(
    name: str, speech: Audio, transcriber: Transcriber
) -> None:
    container, codec, rate = FORMATS[name]
    data = encode(speech.samples, container=container, codec=codec, rate=rate)
    audio = decode_audio(data)
    # Lossy codecs pad the start and end, AAC by up to two 64 ms frames at 16 kHz.
    assert audio.duration == pytest.approx(speech.duration, abs=0.15)
    transcript = transcriber.transcribe(audio, model="tiny.en")
    assert wer(SENTENCE, transcript.text) <= 0.15, transcript.text


def test_empty_upload() -> None:
    with pytest.raises(UnsupportedMedia, match="empty") as caught:
        decode_audio(b"")
    assert (caught.value.status, caught.value.code) == (400, "invalid_audio")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bytes(range(256)) * 16, id="garbage"),
        pytest.param(b"This is a text file, not a recording.\n" * 50, id="text"),
        pytest.param(b"%PDF-1.7\n" + b"\x00" * 4000, id="pdf-ish"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, id="png-ish"),
        pytest.param(b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", id="playlist"),
    ],
)
def test_not_audio(data: bytes) -> None:
    with pytest.raises(UnsupportedMedia):
        decode_audio(data)


def test_wav_cut_inside_its_header() -> None:
    with pytest.raises(UnsupportedMedia):
        decode_audio(_sample_wav()[:30])


def test_wav_with_no_samples() -> None:
    with pytest.raises(UnsupportedMedia, match="no audio samples"):
        decode_audio(_wav(b""))


def test_wav_cut_inside_its_data_decodes_what_is_there() -> None:
    wav = _sample_wav()
    audio = decode_audio(wav[: 44 + 2 * 16_000])  # one second of 16-bit samples
    assert audio.duration == pytest.approx(1.0, abs=0.01)


def test_wav_in_an_unknown_codec() -> None:
    with pytest.raises(UnsupportedMedia):
        decode_audio(_wav(b"\x00" * 3200, codec=0x7ABC))


def test_wav_with_an_absurd_sample_rate_is_refused_before_resampling() -> None:
    # Resampling from 1.9 GHz would take seconds and gigabytes; found by fuzzing.
    with pytest.raises(UnsupportedMedia, match="sample rate"):
        decode_audio(_wav(b"\x00" * 3200, rate=1_897_021_056))


def test_wav_claiming_a_huge_metadata_chunk_is_refused_before_ffmpeg_sees_it() -> None:
    # FFmpeg would zero-fill the claimed 3.4 GB for the LIST chunk; found by fuzzing.
    huge_list = b"LIST" + struct.pack("<I", 0xCE00DCE1) + b"INFOISFT" + struct.pack("<I", 4)
    with pytest.raises(UnsupportedMedia, match="chunk larger than the file"):
        decode_audio(_wav(b"\x00" * 3200, extra=huge_list))


def test_wav_with_metadata_decodes() -> None:
    info = b"LIST" + struct.pack("<I", 16) + b"INFOISFT" + struct.pack("<I", 4) + b"test"
    assert decode_audio(_wav(b"\x00" * 3200, extra=info)).duration == pytest.approx(0.1)


def test_file_without_audio_stream() -> None:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="matroska") as output:
        stream = output.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            output.mux(packet)
    with pytest.raises(UnsupportedMedia, match="no audio stream"):
        decode_audio(buffer.getvalue())


def test_longer_than_the_limit(speech: Audio) -> None:
    flac = encode(speech.samples, container="flac", codec="flac")
    with pytest.raises(PayloadTooLarge) as caught:
        decode_audio(flac, max_seconds=1.0)
    assert (caught.value.status, caught.value.code) == (413, "file_too_large")
    assert decode_audio(flac, max_seconds=speech.duration + 0.5).duration > 1.0


def _decodes_or_is_rejected(data: bytes) -> None:
    try:
        audio = decode_audio(data, max_seconds=600)
    except UnsupportedMedia:
        return
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    assert audio.samples.size > 0
    assert audio.duration == audio.samples.size / 16_000


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_never_crash(data: bytes) -> None:
    _decodes_or_is_rejected(data)


@cache
def _seed(name: str) -> bytes:
    """The speech sample in each upload format, for the corruption probes."""
    if name == "flac":
        return _sample()
    if name == "wav":
        return _sample_wav()
    container, codec, rate = FORMATS[name]
    return encode(decode_audio(_sample()).samples, container=container, codec=codec, rate=rate)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["wav", *sorted(FORMATS)]),
    st.lists(st.tuples(st.integers(0, 2**16), st.integers(0, 255)), max_size=8),
    st.integers(0, 2**17),
)
def test_corrupted_audio_never_crashes(kind: str, edits: list[tuple[int, int]], cut: int) -> None:
    """Real files with bytes overwritten and a tail cut off: decoded or rejected, nothing else."""
    data = bytearray(_seed(kind))
    for position, value in edits:
        # Headers matter most: aim half the edits at the first kilobyte.
        data[position % (1024 if position % 2 else len(data))] = value
    _decodes_or_is_rejected(bytes(data[: max(1, len(data) - cut)]))
