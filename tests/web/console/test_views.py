"""How the console words times, sizes and recordings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from glassbox.assets import sample_audio_path
from glassbox.web._console_views import audio_type, duration, sentence, time_left

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("left", "words"),
    [
        (timedelta(hours=2, minutes=14, seconds=59), "2 h 14 min left"),
        (timedelta(hours=71, minutes=59), "2 d 23 h left"),
        (timedelta(minutes=5), "5 min left"),
        (timedelta(seconds=30), "under a minute left"),
        (timedelta(0), "past the deadline"),
        (timedelta(minutes=-3), "past the deadline"),
    ],
)
def test_time_left_reads_like_a_person_would_say_it(left: timedelta, words: str) -> None:
    assert time_left(NOW + left, NOW) == words


def test_durations() -> None:
    assert [duration(s) for s in (3.84, 65, 3725)] == ["3.8 s", "1 min 05 s", "1 h 02 min"]


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav"),
        (b"OggS\x00\x02", "audio/ogg"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64", "audio/mpeg"),
        (b"\xff\xf1\x50\x80", "audio/aac"),
        (b"\x00\x00\x00\x20ftypM4A ", "audio/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f", "audio/webm"),
        (b"<html>", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_recordings_are_served_with_a_type_sniffed_from_their_first_bytes(
    head: bytes, media_type: str
) -> None:
    assert audio_type(head)[0] == media_type


def test_the_bundled_sample_is_flac() -> None:
    assert audio_type(sample_audio_path().read_bytes()) == ("audio/flac", "FLAC")


def test_error_messages_become_sentences() -> None:
    assert sentence("a written reason is required") == "A written reason is required."
    assert sentence("this hold is already denied.") == "This hold is already denied."
