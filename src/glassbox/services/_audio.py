"""Decode an uploaded audio file, in memory, to 16 kHz mono float32 samples."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass

import av
import numpy as np

from glassbox.errors import PayloadTooLarge, UnsupportedMedia

SAMPLE_RATE = 16_000

# The demuxers an upload may use: the containers OpenAI's audio API accepts
# (flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm) plus raw AAC. A short
# list keeps FFmpeg from probing uploads as playlists, images or other formats
# that open further files or that nobody sends as speech.
_DEMUXERS = "aac,flac,m4a,matroska,mov,mp3,mp4,mpeg,ogg,wav,webm"

# Sample rates beyond this are corrupt headers, and resampling from them costs gigabytes.
_MAX_SOURCE_RATE = 384_000
# A WAV file has a handful of chunks; thousands mean a crafted file.
_MAX_WAV_CHUNKS = 1000

# What PyAV raises on input it cannot make sense of. Its FFmpegError subclasses
# also derive from ValueError, OSError, EOFError and friends.
_DECODE_ERRORS = (av.FFmpegError, ValueError, OSError, EOFError, IndexError, OverflowError)


@dataclass(frozen=True, eq=False)
class Audio:
    """Decoded audio: read-only float32 mono samples at 16 kHz and their duration in seconds."""

    samples: np.ndarray
    duration: float


def decode_audio(data: bytes, *, max_seconds: float = 4 * 3600) -> Audio:
    """Decode `data` (wav, mp3, m4a, ogg/opus, flac, webm, ...) to 16 kHz mono.

    Raises `UnsupportedMedia` when `data` is empty, holds no audio stream or
    cannot be decoded, and `PayloadTooLarge` when the audio is longer than
    `max_seconds`. A packet that fails to decode is skipped, as FFmpeg does;
    a file cut short decodes to the audio that is there.
    """
    if not data:
        raise UnsupportedMedia("the uploaded file is empty")
    _check_wav_chunks(data)
    try:
        samples = _decode(data, max_seconds)
    except _DECODE_ERRORS as exc:
        raise UnsupportedMedia("the uploaded file could not be decoded as audio") from exc
    if samples.size == 0:
        raise UnsupportedMedia("the uploaded file contains no audio samples")
    samples.flags.writeable = False
    return Audio(samples=samples, duration=samples.size / SAMPLE_RATE)


def _decode(data: bytes, max_seconds: float) -> np.ndarray:
    max_samples = max_seconds * SAMPLE_RATE
    options = {"format_whitelist": _DEMUXERS}
    source = io.BytesIO(data)
    with av.open(source, mode="r", options=options, metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise UnsupportedMedia("the uploaded file has no audio stream")
        stream = container.streams.audio[0]
        if stream.codec_context is None:
            raise UnsupportedMedia("the uploaded file's audio codec is not supported")
        _check_rate(stream.codec_context.sample_rate)
        chunks: list[np.ndarray] = []
        total = 0
        for frame in _resampled(_decoded(container, stream)):
            chunk = frame.to_ndarray().reshape(-1)
            total += chunk.size
            if total > max_samples:
                raise PayloadTooLarge(f"the audio is longer than the limit of {max_seconds:g} s")
            chunks.append(chunk)
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)


def _decoded(
    container: av.container.InputContainer, stream: av.AudioStream
) -> Iterator[av.AudioFrame]:
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.InvalidDataError:
            continue
        for frame in frames:
            if isinstance(frame, av.AudioFrame):
                yield frame


def _resampled(frames: Iterator[av.AudioFrame]) -> Iterator[av.AudioFrame]:
    """Convert frames to float32 mono at 16 kHz, starting afresh if the input format changes."""
    resampler: av.AudioResampler | None = None
    source: tuple[str, str, int] | None = None
    for frame in frames:
        shape = (frame.format.name, frame.layout.name, frame.sample_rate)
        if resampler is None or shape != source:
            _check_rate(frame.sample_rate)
            if resampler is not None:
                yield from resampler.resample(None)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            source = shape
        frame.pts = None  # timestamps in uploads can be garbage; the samples are what count
        yield from resampler.resample(frame)
    if resampler is not None:
        yield from resampler.resample(None)


def _check_rate(rate: int) -> None:
    if not 0 < rate <= _MAX_SOURCE_RATE:
        raise UnsupportedMedia(f"the uploaded file declares an unusable sample rate ({rate} Hz)")


def _check_wav_chunks(data: bytes) -> None:
    """Refuse a WAV file with a chunk (other than its audio) that claims more bytes than it has.

    FFmpeg allocates and zero-fills a WAV metadata chunk at its declared size, so
    a few kilobytes claiming a 2 GB LIST chunk would cost 2 GB of memory. The
    audio data may run past the end: a recording cut short decodes to what is there.
    """
    if data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        return
    offset = 12
    for _ in range(_MAX_WAV_CHUNKS):
        if offset + 8 > len(data):
            return
        chunk, size = struct.unpack_from("<4sI", data, offset)
        remaining = len(data) - offset - 8
        if size > remaining:
            if chunk == b"data":
                return
            raise UnsupportedMedia("the uploaded WAV file declares a chunk larger than the file")
        offset += 8 + size + (size & 1)
    raise UnsupportedMedia("the uploaded WAV file has too many chunks")
