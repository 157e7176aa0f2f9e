"""Incremental audit benchmark: a re-run with the tile cache against the cold run it follows.

    .venv/bin/python bench/audit_incremental.py [--entries N] [--new M]

Builds a log of N entries of 300 bytes on SQLite (appends of 10,000 in one call,
then one integration: the fastest way the code offers), serves it with a live
`glassbox serve`, and runs `verify_log` over HTTP with an empty tile cache (the
baseline, measured in the same run), then appends M entries and runs it again
with the cache and the state of the first run. Prints requests, bytes and time
of both runs and their ratios; the re-run should fetch O(M / 256 + log N) tiles.
Exits 0 whatever it measures and deletes nothing but its temporary directory.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from glassbox.audit import AuditState, HttpSource, Verified, verify_log
from glassbox.core import Glassbox, init_data_dir, load_signer
from glassbox.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "example.test/glassbox/bench"
ENTRY_SIZE = 300
BATCH = 10_000


class Counting(httpx.HTTPTransport):
    """httpx's transport, counting requests and the bytes of their bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self.bytes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.read()
        self.requests += 1
        self.bytes += len(response.content)
        return response


@dataclass(frozen=True)
class Run:
    verified: Verified
    requests: int
    bytes: int
    seconds: float

    def render(self, name: str) -> str:
        size = self.verified.checkpoint.size
        return (
            f"  {name:<11} size {size:>11,}  {self.requests:>7,} requests  "
            f"{self.bytes:>13,} bytes  {self.seconds:>8.2f} s"
        )


def build(data: Path, entries: int) -> Glassbox:
    settings = load_settings({"data_dir": data, "origin": ORIGIN}, environ={})
    init_data_dir(settings, default_policy=False)
    node = Glassbox.open(load_settings({"data_dir": data}, environ={}))
    append(node, 0, entries)
    node.log.integrator.integrate_all()
    return node


def append(node: Glassbox, start: int, n: int) -> None:
    pad = os.urandom(ENTRY_SIZE - 8)
    for first in range(start, start + n, BATCH):
        node.log.append(
            [i.to_bytes(8, "big") + pad for i in range(first, min(start + n, first + BATCH))]
        )


def audit(url: str, key: str, cache: Path, state: AuditState | None) -> Run:
    transport = Counting()
    source = HttpSource(url, transport=transport)
    try:
        t0 = time.perf_counter()
        verified = verify_log(source, key=key, state=state, cache=cache)
        seconds = time.perf_counter() - t0
    finally:
        source.close()
    return Run(verified, transport.requests, transport.bytes, seconds)


def wait_for(url: str, size: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if int(httpx.get(f"{url}/checkpoint").text.split("\n")[1]) >= size:
            return
        time.sleep(0.1)
    raise SystemExit(f"the server did not integrate up to size {size} in {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--entries", type=int, default=1_000_000, help="log size [1000000]")
    p.add_argument("--new", type=int, default=1_000, help="entries appended between runs [1000]")
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.live import Server

    print(
        f"incremental audit benchmark: {args.entries:,} entries of {ENTRY_SIZE} bytes, "
        f"then {args.new:,} more; {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="glassbox-bench-") as tmp:
        data, cache = Path(tmp) / "data", Path(tmp) / "audit.cache"
        t0 = time.perf_counter()
        node = build(data, args.entries)
        key = load_signer(load_settings({"data_dir": data}, environ={})).verifier_key()
        print(f"  built the log in {time.perf_counter() - t0:.1f} s")
        server = Server(data).start(timeout=120)
        try:
            url = f"{server.url}/log"
            wait_for(url, args.entries)
            cold = audit(url, key, cache, None)
            size = cold.verified.checkpoint.size
            append(node, node.log.reader.sequenced(), args.new)
            wait_for(url, size + args.new)
            warm = audit(url, key, cache, cold.verified.state())
        finally:
            server.stop()
            node.close()
        held = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file())
    print(cold.render("cold run"))
    print(warm.render("re-run"))
    print(
        f"  re-run / cold run: requests {warm.requests / cold.requests:.5f}, "
        f"bytes {warm.bytes / cold.bytes:.5f}, time {warm.seconds / cold.seconds:.3f}"
    )
    print(f"  the tile cache holds {held:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
