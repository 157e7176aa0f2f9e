"""A re-run of `audit verify` with a tile cache fetches only what is new, and trusts none of it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from glassbox.audit import AuditState, HttpSource, Verified, verify_log
from glassbox.core import Glassbox
from glassbox.errors import TamperError
from glassbox.settings import load_settings
from glassbox.tlog import Signer, decode_bundle, encode_bundle, leaf_tile
from tests.conftest import TEST_KEY
from tests.live import Server, run_cli

VKEY = Signer.from_key_string(TEST_KEY).verifier_key()


class Counting(httpx.HTTPTransport):
    """httpx's transport, noting the path of every request under /log/."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path.removeprefix("/log/"))
        return super().handle_request(request)


@dataclass
class Live:
    server: Server
    data: Path

    @property
    def log(self) -> str:
        return f"{self.server.url}/log"

    def grow_to(self, size: int) -> None:
        """Append entries up to `size` (the server logged its own first) and wait for them."""
        node = Glassbox.open(load_settings({"data_dir": self.data}, environ={}))
        try:
            start = node.log.reader.sequenced()
            node.log.append([f"entry {i}".encode() for i in range(start, size)])
        finally:
            node.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if int(httpx.get(f"{self.log}/checkpoint").text.split("\n")[1]) == size:
                return
            time.sleep(0.1)
        raise AssertionError("the server did not integrate the new entries")

    def verify(
        self, cache: Path | None, state: AuditState | None = None, warnings: list[str] | None = None
    ) -> tuple[Verified, list[str]]:
        transport = Counting()
        source = HttpSource(self.log, transport=transport)
        try:
            warn = warnings.append if warnings is not None else None
            result = verify_log(source, key=VKEY, state=state, cache=cache, warn=warn)
        finally:
            source.close()
        return result, transport.paths


@pytest.fixture
def live(data_dir: Path) -> Iterator[Live]:
    server = Server(data_dir).start()
    try:
        served = Live(server, data_dir)
        served.grow_to(600)  # bundles 0 and 1 full, bundle 2 partial (88)
        yield served
    finally:
        server.stop()


def test_a_rerun_fetches_only_new_and_partial_tiles(live: Live, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, paths = live.verify(cache)
    assert sorted(paths) == sorted(
        [
            "checkpoint",
            "tile/entries/000",
            "tile/entries/001",
            "tile/entries/002.p/88",
            "tile/0/000",
            "tile/0/001",
            "tile/0/002.p/88",
            "tile/1/000.p/2",
        ]
    )
    assert sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()) == [
        "origin",
        "tile/0/000",
        "tile/0/001",
        "tile/entries/000",
        "tile/entries/001",
    ]

    live.grow_to(900)  # size 900: bundle 2 completes, bundle 3 partial (132)
    second, paths = live.verify(cache, state=first.state())
    # Only what is new or partial, each once, though the consistency proof reads some again.
    assert sorted(paths) == sorted(
        [
            "checkpoint",
            "tile/entries/002",
            "tile/entries/003.p/132",
            "tile/0/002",
            "tile/0/003.p/132",
            "tile/1/000.p/3",
        ]
    )
    assert second.fetched is not None and second.fetched.requests == 5  # and the checkpoint
    cold, cold_paths = live.verify(None, state=first.state())
    assert second.summary() == cold.summary() and second.state() == cold.state()
    assert len(cold_paths) > len(paths)


def _flip(path: Path, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1
    path.write_bytes(bytes(data))


def _forge_entry(cache: Path) -> None:
    """Edit an entry and its leaf hash together: each file alone still looks right."""
    entries = decode_bundle((cache / "tile/entries/001").read_bytes())
    entries[5] = b"forged entry"
    (cache / "tile/entries/001").write_bytes(encode_bundle(entries))
    (cache / "tile/0/001").write_bytes(leaf_tile(entries))


DAMAGE = {
    "a bit of an entry bundle": lambda cache: _flip(cache / "tile/entries/001"),
    "a bit of a level-0 tile": lambda cache: _flip(cache / "tile/0/000"),
    "an entry and its leaf hash": _forge_entry,
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_cache_is_detected_and_refetched(live: Live, tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    good, _ = live.verify(cache)
    pristine = {p: p.read_bytes() for p in cache.rglob("*") if p.is_file()}
    DAMAGE[damage](cache)
    warnings: list[str] = []
    again, paths = live.verify(cache, warnings=warnings)
    assert again.state() == good.state()
    assert len(warnings) == 1 and "does not check out" in warnings[0], warnings
    assert "tile/entries/001" in paths and "tile/0/000" in paths  # fetched anew
    assert {p: p.read_bytes() for p in pristine} == pristine  # and the cache repaired


def test_a_truncated_cache_file_is_fetched_again_silently(live: Live, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    live.verify(cache)
    tile = cache / "tile/0/001"
    tile.write_bytes(tile.read_bytes()[:100])
    warnings: list[str] = []
    _, paths = live.verify(cache, warnings=warnings)
    assert warnings == []
    assert "tile/0/001" in paths and "tile/0/000" not in paths
    assert len(tile.read_bytes()) == 256 * 32


def test_a_log_that_disagrees_with_itself_is_still_reported(live: Live, tmp_path: Path) -> None:
    """What the refetch serves is checked too: a damaged log fails with or without a cache."""
    cache = tmp_path / "cache"
    live.verify(cache)
    _forge_entry(cache)

    class Forging(Counting):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            if request.url.path.endswith("tile/0/001"):
                return httpx.Response(200, content=bytes(256 * 32))
            return response

    source = HttpSource(live.log, transport=Forging())
    try:
        with pytest.raises(TamperError, match="entry 256"):
            verify_log(source, key=VKEY, cache=cache, warn=lambda _: None)
    finally:
        source.close()


def test_the_cli_keeps_its_cache_beside_the_state_file(live: Live, tmp_path: Path) -> None:
    state = tmp_path / "audit.json"
    first = run_cli("audit", "verify", live.log, "--key", VKEY, "--state", state)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "audit.cache" / "tile" / "entries" / "000").is_file()
    assert "read from the cache" in first.stderr
    live.grow_to(610)
    second = run_cli("audit", "verify", live.log, "--key", VKEY, "--state", state)
    assert second.returncode == 0, second.stderr
    assert "size=610" in second.stdout
    assert "fetched 3 tiles and bundles" in second.stderr, second.stderr
    assert "4 read from the cache" in second.stderr
    other = tmp_path / "other.json"
    plain = run_cli("audit", "verify", live.log, "--key", VKEY, "--state", other, "--no-cache")
    assert plain.returncode == 0 and not (tmp_path / "other.cache").exists()
