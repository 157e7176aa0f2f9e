"""Transcription benchmark: governed HTTP path vs faster-whisper called directly.

Same audio (>= 60 s of espeak-ng speech), same model and threads, in one run:
prints both real-time factors and their ratio (floor 0.95), then the governance
overhead of a tiny request (authenticate + policy + durable log append) as
p50/p99 (floors 2 ms / 10 ms). Needs espeak-ng. Run: `python bench/transcribe.py`.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from glassbox.clients import ClientRegistry
from glassbox.core import Glassbox, init_data_dir, load_pseudonym_key
from glassbox.entries import Action
from glassbox.gateway import Gateway, Served
from glassbox.services import Prepared, Result, ServiceRegistry, bundled_models
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


def speech(path: Path, min_seconds: float) -> float:
    """Write >= min_seconds of speech to `path` (WAV); return its duration."""
    import av

    text = " ".join(SENTENCES)
    while True:
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(path), text], check=True)
        with av.open(str(path)) as f:
            duration = float(f.duration or 0) / 1_000_000
        if duration >= min_seconds:
            return duration
        text = text + " " + text


def direct_seconds(wav: Path, rounds: int) -> float:
    from faster_whisper import WhisperModel

    spec = bundled_models()["tiny.en"]
    model = WhisperModel(
        str(spec.path), device="cpu", compute_type="int8", cpu_threads=0, num_workers=2
    )
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        segments, _ = model.transcribe(str(wav), language="en")
        "".join(s.text for s in segments)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def governed_seconds(url: str, key: str, wav: Path, rounds: int) -> float:
    audio = wav.read_bytes()
    times = []
    with httpx.Client(timeout=600) as client:
        for _ in range(rounds):
            start = time.perf_counter()
            resp = client.post(
                f"{url}/v1/audio/transcriptions",
                headers={"Authorization": f"Bearer {key}"},
                files={"file": ("speech.wav", audio, "audio/wav")},
                data={"model": "whisper-1", "language": "en"},
            )
            resp.raise_for_status()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        wav = root / "speech.wav"
        duration = speech(wav, args.seconds)
        data = root / "data"
        init_data_dir(load_settings({"data_dir": data}, environ={}))
        settings = load_settings({"data_dir": data}, environ={})
        node = Glassbox.open(settings)
        reg = ClientRegistry(node.engine, load_pseudonym_key(settings))
        reg.add(
            "bench", category="commercial", purposes=["accessibility"], daily_audio_hours=24 * 365
        )
        key = reg.create_key("bench")[1]
        node.close()

        server = Server(data).start()
        try:
            governed_seconds(server.url, key, wav, 1)  # warm-up: model load
            direct = direct_seconds(wav, args.rounds)
            governed = governed_seconds(server.url, key, wav, args.rounds)
        finally:
            server.stop()
        ms = sorted(overhead(data, key, args.requests))

    rtf_direct, rtf_governed = duration / direct, duration / governed
    ratio = rtf_governed / rtf_direct
    p50 = ms[len(ms) // 2]
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"audio: {duration:.1f} s of speech, model tiny.en (int8, default threads)")
    print(f"{'measure':<44}{'value':>14}  {'floor':>10}  verdict")
    rows = [
        ("faster-whisper direct, real-time factor", f"{rtf_direct:.2f}x", "", ""),
        ("governed HTTP path, real-time factor", f"{rtf_governed:.2f}x", "", ""),
        ("governed / direct throughput", f"{ratio:.3f}", ">= 0.95", ratio >= 0.95),
        ("governance overhead p50 (ms)", f"{p50:.2f}", "<= 2", p50 <= 2),
        ("governance overhead p99 (ms)", f"{p99:.2f}", "<= 10", p99 <= 10),
    ]
    for name, value, floor, ok in rows:
        verdict = "" if ok == "" else ("PASS" if ok else "BELOW")
        print(f"{name:<44}{value:>14}  {floor:>10}  {verdict}")


if __name__ == "__main__":
    main()
