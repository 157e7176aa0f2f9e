"""Transcription benchmark: the governed HTTP path against faster-whisper called directly.

In one run, on the same audio (>= 60 s of espeak-ng speech) with the same decoding options:
- governed / direct throughput for tiny.en and for the multilingual base (`whisper-1`),
  floor 0.95 each;
- the governance overhead of a tiny request through `Gateway.handle` (authentication,
  policy, commitments, durable append), p50 / p99 (floors 2 ms / 10 ms);
- long audio (>= 10 minutes of speech, the multilingual base): the server's batched decoding
  with VAD against plain sequential faster-whisper, same model and audio: throughput ratio
  (floor 2.0) and each WER (batched no worse by more than 1 point);
- streaming: time to the first `transcript.text.delta`, p50.
Needs espeak-ng. Run: `python bench/transcribe.py` (`--long-minutes 0` skips long audio).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from glassbox.clients import ClientRegistry
from glassbox.core import Glassbox, init_data_dir, load_pseudonym_key
from glassbox.entries import OPERATOR, Action
from glassbox.gateway import Gateway, Served
from glassbox.services import (
    Audio,
    ModelSpec,
    Prepared,
    Result,
    ServiceRegistry,
    Transcriber,
    bundled_models,
    decode_audio,
)
from glassbox.settings import load_settings
from tests.live import Server

SENTENCES = [
    "Please send the quarterly report to the finance team before Friday.",
    "We need two more chairs and a projector for the training room.",
    "The new library opens on Monday and stays open until nine every evening.",
    "Remember to water the plants while I am away on holiday next week.",
    "The train to the airport leaves every twenty minutes from platform three.",
    "Our team will present the results of the survey at the annual meeting.",
]


def speech(path: Path, min_seconds: float) -> tuple[float, str]:
    """Write >= min_seconds of speech to `path` (WAV); return its duration and text."""
    import av

    text = " ".join(SENTENCES)
    while True:
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(path), text], check=True)
        with av.open(str(path)) as f:
            duration = float(f.duration or 0) / 1_000_000
        if duration >= min_seconds:
            return duration, text
        text = text + " " + text


def _model(path: Path) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=0, num_workers=2)


def direct_seconds(path: Path, wav: Path, rounds: int) -> float:
    """faster-whisper on its own, decoding as the server does (VAD past 30 s)."""
    model = _model(path)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        segments, _ = model.transcribe(str(wav), language="en", vad_filter=True)
        "".join(s.text for s in segments)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def governed_seconds(url: str, key: str, wav: Path, rounds: int, model: str) -> float:
    audio = wav.read_bytes()
    times = []
    with httpx.Client(timeout=600) as client:
        for _ in range(rounds):
            start = time.perf_counter()
            resp = client.post(
                f"{url}/v1/audio/transcriptions",
                headers={"Authorization": f"Bearer {key}"},
                files={"file": ("speech.wav", audio, "audio/wav")},
                data={"model": model, "language": "en"},
            )
            resp.raise_for_status()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def first_delta_ms(url: str, key: str, wav: Path, rounds: int) -> float:
    """Time from sending a `stream=true` request to its first delta, median."""
    audio = wav.read_bytes()
    times = []
    with httpx.Client(timeout=600) as client:
        for _ in range(rounds):
            start = time.perf_counter()
            with client.stream(
                "POST",
                f"{url}/v1/audio/transcriptions",
                headers={"Authorization": f"Bearer {key}"},
                files={"file": ("speech.wav", audio, "audio/wav")},
                data={"model": "tiny.en", "language": "en", "stream": "true"},
            ) as resp:
                resp.raise_for_status()
                lines = resp.iter_lines()
                for line in lines:
                    if "transcript.text.delta" in line:
                        times.append((time.perf_counter() - start) * 1000)
                        break
                for _ in lines:  # let it finish: the next round has the slot
                    pass
    return statistics.median(times)


def long_audio(root: Path, minutes: float, spec: ModelSpec) -> tuple[float, float, float, float]:
    """The same long audio through plain sequential faster-whisper and through the
    Transcriber as the server runs it past `transcribe_batch_seconds` (VAD, batches of
    8): (sequential seconds, batched seconds, sequential WER, batched WER)."""
    from tests.services._wer import wer

    wav = root / "long.wav"
    _, text = speech(wav, minutes * 60)
    model = _model(spec.path)
    start = time.perf_counter()
    segments, _ = model.transcribe(str(wav), language="en", vad_filter=False)
    plain = "".join(s.text for s in segments)
    sequential = time.perf_counter() - start
    transcriber = Transcriber({spec.name: spec}, batch_seconds=60, batch_size=8)
    transcriber.transcribe(Audio(np.zeros(16_000, np.float32), 1.0), model=spec.name)  # load
    audio = decode_audio(wav.read_bytes(), max_seconds=24 * 3600)
    start = time.perf_counter()
    quick = transcriber.transcribe(audio, model=spec.name, language="en").text
    batched = time.perf_counter() - start
    return sequential, batched, wer(text, plain), wer(text, quick)


class _Tiny:
    """A service that does nothing: what is left is the governed path's own cost."""

    action = Action.TRANSCRIBE

    def prepare(self, fields: Mapping[str, Any]) -> Prepared:
        return Prepared(payload=b"tiny request", params={}, audio_seconds=1.0)

    def run(self, prepared: Prepared) -> Result:
        return Result(b'{"text":""}', "application/json", {"text": ""})


def overhead(data: Path, key: str, requests: int) -> list[float]:
    """Per-request governance time in-process, through `Gateway.handle` with a no-op service:
    authentication, purpose, policy decision, commitments and the durable append."""
    settings = load_settings({"data_dir": data}, environ={})
    node = Glassbox.open(settings)
    gateway = Gateway(
        clients=node.clients,
        policies=node.policies,
        ledger=node.ledger,
        review=node.review,
        kept=node.kept,
        services=ServiceRegistry([_Tiny()]),
    )

    async def read() -> dict[str, Any]:
        return {}

    async def requests_in_turn() -> list[float]:
        """One request after another on one running event loop, as a server serves them."""
        samples = []
        for _ in range(requests):
            start = time.perf_counter()
            outcome = await gateway.handle(
                Action.TRANSCRIBE, f"Bearer {key}", read, "accessibility"
            )
            samples.append((time.perf_counter() - start) * 1000)
            if not isinstance(outcome, Served):
                raise SystemExit(f"the tiny request was not served: {outcome}")
        return samples

    try:
        samples = asyncio.run(requests_in_turn())
    finally:
        node.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="minimum audio length")
    parser.add_argument("--rounds", type=int, default=3, help="runs per path (median)")
    parser.add_argument("--requests", type=int, default=1000, help="tiny governed requests")
    parser.add_argument("--long-minutes", type=float, default=10.0, help="long audio (0: skip)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        wav = root / "speech.wav"
        duration, _ = speech(wav, args.seconds)
        data = root / "data"
        init_data_dir(load_settings({"data_dir": data}, environ={}))
        settings = load_settings({"data_dir": data}, environ={})
        models = bundled_models(settings.models_path)
        node = Glassbox.open(settings)
        reg = ClientRegistry(node.log, load_pseudonym_key(settings))
        reg.add(
            "bench",
            category="commercial",
            purposes=["accessibility"],
            daily_audio_hours=24 * 365,
            by=OPERATOR,
        )
        key = reg.create_key("bench", by=OPERATOR)[1]
        node.close()

        rows: list[tuple[str, str, str, bool | str]] = []
        server = Server(data).start()
        try:
            for name, alias in (("tiny.en", "tiny.en"), ("base", "whisper-1")):
                governed_seconds(server.url, key, wav, 1, alias)  # warm-up: model load
                direct = direct_seconds(models[name].path, wav, args.rounds)
                governed = governed_seconds(server.url, key, wav, args.rounds, alias)
                ratio = direct / governed
                rows += [
                    (f"{name}: direct, real-time factor", f"{duration / direct:.2f}x", "", ""),
                    (f"{name}: governed, real-time factor", f"{duration / governed:.2f}x", "", ""),
                    (f"{name}: governed / direct", f"{ratio:.3f}", ">= 0.95", ratio >= 0.95),
                ]
            ttfd = first_delta_ms(server.url, key, wav, args.rounds)
            rows.append(("streaming: first delta p50 (ms)", f"{ttfd:.0f}", "", ""))
        finally:
            server.stop()
        ms = sorted(overhead(data, key, args.requests))
        p50 = ms[len(ms) // 2]
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        rows += [
            ("governance overhead p50 (ms)", f"{p50:.2f}", "<= 2", p50 <= 2),
            ("governance overhead p99 (ms)", f"{p99:.2f}", "<= 10", p99 <= 10),
        ]
        if args.long_minutes:
            seq, bat, seq_wer, bat_wer = long_audio(root, args.long_minutes, models["base"])
            speedup = seq / bat
            rows += [
                ("long audio: sequential, seconds", f"{seq:.1f}", "", ""),
                ("long audio: batched + VAD, seconds", f"{bat:.1f}", "", ""),
                (
                    "long audio: batched / sequential speed",
                    f"{speedup:.2f}",
                    ">= 2.0",
                    speedup >= 2,
                ),
                ("long audio: WER sequential / batched", f"{seq_wer:.3f} / {bat_wer:.3f}", "", ""),
                (
                    "long audio: batched WER - sequential",
                    f"{bat_wer - seq_wer:+.3f}",
                    "<= +0.01",
                    bat_wer - seq_wer <= 0.01,
                ),
            ]

    print(f"audio: {duration:.1f} s of speech (int8, default threads)")
    print(f"{'measure':<44}{'value':>14}  {'floor':>10}  verdict")
    for name, value, floor, ok in rows:
        verdict = "" if ok == "" else ("PASS" if ok else "BELOW")
        print(f"{name:<44}{value:>14}  {floor:>10}  {verdict}")


if __name__ == "__main__":
    main()
