"""Conformance with tessera's 15-entry test log, rebuilt here from the same key and entries.

Ed25519 signatures are deterministic, so a conforming log must reproduce every
checkpoint, level-0 tile and entry bundle of the reference log byte for byte.
"""

from __future__ import annotations

import base64
import re

import pytest

from glassbox.tlog import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Checkpoint,
    CompactRange,
    Signer,
    Verifier,
    encode_bundle,
    entries_path,
    leaf_hash,
    open_checkpoint,
    parse_tile_path,
    sign_checkpoint,
    tile_path,
    tile_width,
)

from ._support import DATA, data_jsonl

FILE = "transparency-dev_tessera_testdata_log.jsonl"
HEADER = (DATA / FILE).read_text(encoding="utf-8").splitlines()[0]
PRIVATE_KEY = re.search(r"LOG_PRIVATE_KEY=(\S+)", HEADER).group(1)  # type: ignore[union-attr]
PUBLIC_KEY = re.search(r"LOG_PUBLIC_KEY=(\S+)", HEADER).group(1)  # type: ignore[union-attr]
ENTRIES = [
    word.encode()
    for word in re.search(r"one per checkpoint: ([a-z ]+)\.", HEADER).group(1).split()  # type: ignore[union-attr]
]
FILES = {
    line["path"]: line["text"].encode() if "text" in line else base64.b64decode(line["b64"])
    for line in data_jsonl(FILE)
}


def _build_log() -> dict[str, bytes]:
    """Append the entries one checkpoint at a time, keeping what a tiles log would serve."""
    signer = Signer.from_key_string(PRIVATE_KEY)
    origin = signer.name
    compact = CompactRange()
    tiles: dict[tuple[int, int], list[bytes]] = {}

    def store(height: int, index: int, value: bytes) -> None:
        if height % TILE_HEIGHT == 0:
            tile = tiles.setdefault((height // TILE_HEIGHT, index // TILE_WIDTH), [])
            assert len(tile) == index % TILE_WIDTH
            tile.append(value)

    served: dict[str, bytes] = {}
    for size in range(len(ENTRIES) + 1):
        if size:
            compact.append(leaf_hash(ENTRIES[size - 1]), store)
        checkpoint = Checkpoint(origin, size, compact.root())
        served[f"checkpoint.{size}"] = sign_checkpoint(checkpoint, signer).encode()
        for (level, index), hashes in tiles.items():
            width = tile_width(level, index, size)
            if width:
                served[tile_path(level, index, width)] = b"".join(hashes[:width])
        bundle_width = tile_width(0, 0, size)
        if bundle_width:
            served[entries_path(0, bundle_width)] = encode_bundle(ENTRIES[:bundle_width])
    served["checkpoint"] = served[f"checkpoint.{len(ENTRIES)}"]
    return served


BUILT = _build_log()
PUBLISHED = sorted(path for path in FILES if path.startswith(("checkpoint", "tile/")))


def test_header_describes_fifteen_entries_and_a_matching_key_pair() -> None:
    assert len(ENTRIES) == 15
    assert ENTRIES[0] == b"one"
    assert ENTRIES[-1] == b"fivten"
    assert Signer.from_key_string(PRIVATE_KEY).verifier_key() == PUBLIC_KEY
    assert len(PUBLISHED) == 1 + 16 + 15 + 15


def test_we_produce_exactly_the_published_resources() -> None:
    assert sorted(BUILT) == PUBLISHED


@pytest.mark.parametrize("path", PUBLISHED)
def test_resource_matches_byte_for_byte(path: str) -> None:
    assert BUILT[path] == FILES[path]


@pytest.mark.parametrize("size", range(16))
def test_published_checkpoints_open_with_the_public_key(size: int) -> None:
    verifier = Verifier.from_key_string(PUBLIC_KEY)
    checkpoint = open_checkpoint(FILES[f"checkpoint.{size}"].decode(), verifier)
    assert checkpoint.size == size
    assert checkpoint.origin == "example.com/log/testdata"


def test_published_tile_paths_parse() -> None:
    for path in PUBLISHED:
        if path.startswith("tile/"):
            parsed = parse_tile_path(path)
            assert (parsed.level in (0, None), parsed.index) == (True, 0)
            if parsed.level == 0:
                assert len(FILES[path]) == parsed.width * 32
