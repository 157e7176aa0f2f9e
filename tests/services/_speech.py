"""Speech for the tests: English spoken by espeak-ng, and re-encoded with PyAV."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from glassbox.assets import SAMPLE_TEXT

SENTENCE = SAMPLE_TEXT
# American English at 160 words a minute: the voice tiny.en understands best.
ESPEAK_VOICE = ("-v", "en-us", "-s", "160")
# Sentences for espeak-ng's voices, by ISO 639-1 code (the voice of the same name).
SENTENCES = {
    "fr": "Bonjour, je voudrais réserver une table pour deux personnes ce soir à huit heures.",
    "es": "Buenos días, quisiera reservar una mesa para dos personas esta noche.",
    "de": "Guten Morgen, ich möchte heute Abend einen Tisch für zwei Personen reservieren.",
    "ru": "Добрый день, я хотел бы заказать столик на двоих сегодня вечером.",
    "ar": "مرحبا، أريد أن أحجز طاولة لشخصين هذا المساء.",
}


def espeak() -> str:
    """The espeak-ng executable; skips the test without it unless GLASSBOX_REQUIRE_ESPEAK is set."""
    path = shutil.which("espeak-ng")
    if path is None:
        if os.environ.get("GLASSBOX_REQUIRE_ESPEAK"):
            pytest.fail("espeak-ng is not installed and GLASSBOX_REQUIRE_ESPEAK is set")
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng) to speak test audio")
    return path


def speak(text: str, wav: Path, executable: str, voice: str | None = None) -> bytes:
    """Speak `text` into the WAV file `wav` (22.05 kHz mono): in American English at 160
    words a minute, or with another espeak-ng `voice` at its own speed."""
    args = ESPEAK_VOICE if voice is None else ("-v", voice)
    subprocess.run([executable, *args, "-w", str(wav), text], check=True)
    return wav.read_bytes()


def encode(
    samples: np.ndarray,
    *,
    container: str,
    codec: str,
    rate: int = 16_000,
    channels: int = 1,
    bit_rate: int | None = None,
) -> bytes:
    """Encode float32 16 kHz mono samples with PyAV (at `bit_rate` bits per second, else
    the codec's default); skips the test if PyAV lacks the encoder."""
    try:
        av.Codec(codec, "w")
    except av.codec.codec.UnknownCodecError:
        pytest.skip(f"PyAV was built without the {codec} encoder")
    layout = "mono" if channels == 1 else "stereo"
    planes = np.tile(samples.astype(np.float32), (channels, 1))
    frame = av.AudioFrame.from_ndarray(planes, format="fltp", layout=layout)
    frame.sample_rate = 16_000
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=rate, layout=layout)
        if bit_rate is not None:
            stream.bit_rate = bit_rate
        for packet in stream.encode(frame):
            output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()
