"""Load test: many concurrent transcriptions against one server, and its queue timeout.

`--requests` transcriptions (300) of a few seconds of espeak-ng speech, `--concurrency`
(20) at a time, through `glassbox serve` with `transcribe_queue_timeout` at `--timeout`
(30 s). A request either gets its transcript or, when no slot frees up in time, a 503
with Retry-After. The queue timeout is honoured when no answered request took longer
than the timeout plus the slowest transcription seen on an idle server (measured first,
in the same run); the ratio printed is that bound over the slowest answer (>= 1.0).
Run: `python bench/load.py`. Needs espeak-ng.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from glassbox.clients import ClientRegistry
from glassbox.core import Glassbox, init_data_dir, load_pseudonym_key
from glassbox.entries import OPERATOR
from glassbox.settings import load_settings
from tests.live import Server

TEXT = "Please send the quarterly report to the finance team before Friday."


async def transcribe(client: httpx.AsyncClient, key: str, audio: bytes) -> tuple[int, float]:
    """One request: its status and how long it took, in seconds."""
    start = time.perf_counter()
    resp = await client.post(
        "/v1/audio/transcriptions",
        headers={"Authorization": f"Bearer {key}"},
        files={"file": ("speech.wav", audio, "audio/wav")},
        data={"model": "tiny.en", "language": "en"},
    )
    if resp.status_code == 503 and "retry-after" not in resp.headers:
        raise AssertionError("a 503 without Retry-After")
    return resp.status_code, time.perf_counter() - start


async def load(url: str, key: str, audio: bytes, requests: int, concurrency: int) -> list:
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async with httpx.AsyncClient(base_url=url, timeout=600) as client:

        async def one() -> tuple[int, float]:
            nonlocal done
            async with gate:
                result = await transcribe(client, key, audio)
            done += 1
            if done % 50 == 0:
                print(f"  {done}/{requests} answered", file=sys.stderr)
            return result

        return await asyncio.gather(*(one() for _ in range(requests)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=30.0, help="transcribe_queue_timeout")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        wav = root / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), TEXT], check=True)
        audio = wav.read_bytes()
        with wave.open(str(wav)) as w:
            seconds = w.getnframes() / w.getframerate()
        data = root / "data"
        settings = load_settings({"data_dir": data}, environ={})
        init_data_dir(settings)
        node = Glassbox.open(settings)
        reg = ClientRegistry(node.log, load_pseudonym_key(settings))
        reg.add(
            "load",
            category="commercial",
            purposes=["accessibility"],
            daily_audio_hours=24 * 365,
            by=OPERATOR,
        )
        key = reg.create_key("load", by=OPERATOR)[1]
        node.close()
        env = {"GLASSBOX_TRANSCRIBE_QUEUE_TIMEOUT": str(args.timeout)}
        server = Server(data, extra_env=env).start()
        try:
            idle = [asyncio.run(load(server.url, key, audio, 1, 1))[0] for _ in range(5)]
            slowest_idle = max(seconds for _, seconds in idle)
            started = time.perf_counter()
            results = asyncio.run(load(server.url, key, audio, args.requests, args.concurrency))
            elapsed = time.perf_counter() - started
        finally:
            server.stop()

    answered = sorted(seconds for status, seconds in results if status == 200)
    refused = [seconds for status, seconds in results if status == 503]
    other = sorted({status for status, _ in results} - {200, 503})
    bound = args.timeout + slowest_idle
    worst = answered[-1] if answered else 0.0
    print(
        f"{args.requests} requests, {args.concurrency} at a time, queue timeout "
        f"{args.timeout:g} s, {seconds:.1f} s of audio each, {elapsed:.0f} s in all"
    )
    rows = [
        ("slowest transcription, idle server (s)", f"{slowest_idle:.2f}", ""),
        ("answered (200)", str(len(answered)), ""),
        ("refused, retry later (503)", str(len(refused)), ""),
        ("other statuses", ", ".join(map(str, other)) or "none", ""),
        ("answered p50 (s)", f"{statistics.median(answered):.2f}" if answered else "-", ""),
        ("answered max (s)", f"{worst:.2f}", ""),
        ("refused max wait (s)", f"{max(refused):.2f}" if refused else "-", ""),
        (
            "(timeout + idle slowest) / answered max",
            f"{bound / worst:.2f}" if worst else "-",
            "1.0",
        ),
    ]
    for name, value, floor in rows:
        verdict = ("PASS" if bound >= worst and not other else "BELOW") if floor else ""
        print(f"{name:<44}{value:>12}  {floor:>8}  {verdict}")


if __name__ == "__main__":
    main()
