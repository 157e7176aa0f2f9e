"""Shared test helpers: the vector files, an in-memory tree, and proof corruptions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from glassbox.tlog import TILE_HEIGHT, TILE_WIDTH, NodeReader, leaf_hash, node_hash

DATA = Path(__file__).resolve().parent.parent / "data"


def data_lines(name: str) -> list[str]:
    """The lines of a vector file, after its first line (the source attribution)."""
    attribution, *lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    assert attribution.startswith("# source:"), f"{name} lost its attribution line"
    return lines


def data_json(name: str) -> Any:
    return json.loads("\n".join(data_lines(name)))


def data_jsonl(name: str) -> list[Any]:
    return [json.loads(line) for line in data_lines(name) if line.strip()]


class MemoryTree:
    """Every complete node of a tree over ``leaf_hashes``, computed the plain way."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.levels: list[list[bytes]] = [list(leaf_hashes)]
        while len(self.levels[-1]) >= 2:
            below = self.levels[-1]
            self.levels.append(
                [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            )

    def reader(self, size: int) -> NodeReader:
        """A node reader for the tree of ``size`` that refuses incomplete nodes."""

        def node(height: int, index: int) -> bytes:
            assert (index + 1) << height <= size, f"asked for incomplete node {height}/{index}"
            return self.levels[height][index]

        return node

    def tile(self, level: int, index: int, width: int) -> bytes:
        row = self.levels[level * TILE_HEIGHT]
        hashes = row[index * TILE_WIDTH : index * TILE_WIDTH + width]
        assert len(hashes) == width
        return b"".join(hashes)


def entry(i: int) -> bytes:
    return f"entry {i}".encode()


LEAVES = [leaf_hash(entry(i)) for i in range(1100)]
TREE = MemoryTree(LEAVES)


def reference_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 MTH straight from its recursive definition."""

    @cache
    def mth(begin: int, end: int) -> bytes:
        if end - begin == 1:
            return leaves[begin]
        split = 1
        while split * 2 < end - begin:
            split *= 2
        return node_hash(mth(begin, begin + split), mth(begin + split, end))

    return mth(0, len(leaves)) if leaves else hashlib.sha256(b"").digest()


def flipped(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[bit // 8] ^= 1 << (bit % 8)
    return bytes(data)


def bit_flips(proof: Sequence[bytes], every_bit: bool) -> Iterator[tuple[str, list[bytes]]]:
    """Copies of ``proof`` with one bit flipped: all bits, or a spread sample."""
    bits = range(256) if every_bit else (0, 7, 8, 100, 131, 200, 254, 255)
    for position, value in enumerate(proof):
        for bit in bits:
            changed = list(proof)
            changed[position] = flipped(value, bit)
            yield f"proof[{position}] bit {bit}", changed


GARBAGE = b"\xab" * 32


def inclusion_probes(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes, every_bit: bool
) -> Iterator[tuple[str, tuple[bytes, int, int, list[bytes], bytes]]]:
    """Corrupted variants of a valid inclusion proof; every one must fail."""
    p = list(proof)
    yield "index - 1", (leaf, index - 1, size, p, root)
    yield "index + 1", (leaf, index + 1, size, p, root)
    yield "index ^ 2", (leaf, index ^ 2, size, p, root)
    yield "size * 2", (leaf, index, size * 2, p, root)
    yield "size // 2", (leaf, index, size // 2, p, root)
    yield "wrong leaf", (GARBAGE, index, size, p, root)
    yield "wrong root", (leaf, index, size, p, GARBAGE)
    if size > 1:
        yield "leaf as root", (leaf, index, size, p, leaf)
    yield "extra hash", (leaf, index, size, [*p, GARBAGE], root)
    yield "root appended", (leaf, index, size, [*p, root], root)
    yield "empty appended", (leaf, index, size, [*p, b""], root)
    yield "garbage prepended", (leaf, index, size, [GARBAGE, *p], root)
    if p:
        yield "last removed", (leaf, index, size, p[:-1], root)
        yield "first removed", (leaf, index, size, p[1:], root)
        yield "short hash", (leaf, index, size, [p[0][:31], *p[1:]], root)
    if len(p) > 1:
        yield "swapped hashes", (leaf, index, size, [p[1], p[0], *p[2:]], root)
    for desc, changed in bit_flips(p, every_bit):
        yield desc, (leaf, index, size, changed, root)


ConsistencyArgs = tuple[int, int, list[bytes], bytes, bytes]


def consistency_probes(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes, every_bit: bool
) -> Iterator[tuple[str, ConsistencyArgs]]:
    """Corrupted variants of a valid consistency proof (size1 < size2); all must fail."""
    p = list(proof)
    yield "size1 - 1", (size1 - 1, size2, p, root1, root2)
    yield "size1 + 1", (size1 + 1, size2, p, root1, root2)
    yield "size1 ^ 2", (size1 ^ 2, size2, p, root1, root2)
    yield "size2 * 2", (size1, size2 * 2, p, root1, root2)
    yield "size2 // 2", (size1, size2 // 2, p, root1, root2)
    yield "wrong root1", (size1, size2, p, GARBAGE, root2)
    yield "wrong root2", (size1, size2, p, root1, GARBAGE)
    yield "swapped roots", (size1, size2, p, root2, root1)
    yield "empty proof", (size1, size2, [], root1, root2)
    yield "extra hash", (size1, size2, [*p, GARBAGE], root1, root2)
    yield "root1 appended", (size1, size2, [*p, root1], root1, root2)
    yield "root2 appended", (size1, size2, [*p, root2], root1, root2)
    yield "empty appended", (size1, size2, [*p, b""], root1, root2)
    yield "garbage prepended", (size1, size2, [GARBAGE, *p], root1, root2)
    yield "root1 prepended", (size1, size2, [root1, *p], root1, root2)
    yield "first repeated", (size1, size2, [p[0], *p], root1, root2)
    yield "last removed", (size1, size2, p[:-1], root1, root2)
    yield "first removed", (size1, size2, p[1:], root1, root2)
    yield "short hash", (size1, size2, [p[0][:31], *p[1:]], root1, root2)
    for desc, changed in bit_flips(p, every_bit):
        yield desc, (size1, size2, changed, root1, root2)
