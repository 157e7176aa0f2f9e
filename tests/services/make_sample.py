"""Rebuild the speech sample shipped in `glassbox.assets`.

    .venv/bin/python -m tests.services.make_sample

Has espeak-ng speak `glassbox.assets.SAMPLE_TEXT`, decodes the WAV it writes
to 16 kHz mono with `glassbox.services.decode_audio`, and encodes that as
16-bit FLAC with PyAV into `src/glassbox/assets/sample.flac`. The result
depends on the espeak-ng and FFmpeg versions, so rebuild it only to change
the sentence or voice; `tests/services/test_sample_asset.py` checks whatever
is committed.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np

from glassbox.assets import SAMPLE_TEXT, sample_audio_path
from glassbox.services import decode_audio
from tests.services._speech import ESPEAK_VOICE


def flac_bytes(samples: np.ndarray) -> bytes:
    """16 kHz mono float32 samples as a 16-bit FLAC file."""
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype(np.int16)
    frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = 16_000
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="flac") as output:
        stream = output.add_stream("flac", rate=16_000, layout="mono")
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            output.mux(packet)
    return buffer.getvalue()


def main() -> int:
    executable = shutil.which("espeak-ng")
    if executable is None:
        print("espeak-ng is not installed", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        wav = Path(scratch) / "sample.wav"
        subprocess.run([executable, *ESPEAK_VOICE, "-w", str(wav), SAMPLE_TEXT], check=True)
        audio = decode_audio(wav.read_bytes())
    target = sample_audio_path()
    target.write_bytes(flac_bytes(audio.samples))
    print(f"wrote {target} ({target.stat().st_size} bytes, {audio.duration:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
