"""Files shipped with Glassbox: a few seconds of English speech for demos and smoke tests.

`sample.flac` is espeak-ng speaking `SAMPLE_TEXT`, as 16 kHz mono FLAC; it is
rebuilt by `python -m tests.services.make_sample`.
"""

from __future__ import annotations

from pathlib import Path

SAMPLE_TEXT = "Every request leaves a public record that anyone can check."


def sample_audio_path() -> Path:
    """Where the speech sample is installed."""
    return Path(__file__).with_name("sample.flac")


__all__ = ["SAMPLE_TEXT", "sample_audio_path"]
