"""C2SP tlog-tiles: tile geometry, resource paths, entry bundles, and reading nodes from tiles.

A tile at level ``L`` holds up to 256 consecutive hashes of the tree at height
``8 * L``; the last tile of each level may be partial.  Paths look like
``tile/0/x001/x234/067.p/7`` and ``tile/entries/000.p/5``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from glassbox.errors import EntryTooLarge, FormatError, InputError

from ._compact import CompactRange
from ._hash import HASH_SIZE, node_hash, subtree_roots

TILE_HEIGHT = 8
"""Tree levels spanned by one tile."""

TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes (or entries) in a full tile (or bundle)."""

MAX_ENTRY_SIZE = 0xFFFF
"""Largest entry an entry bundle can carry (its length prefix is a uint16)."""

_MAX_LEVEL = 63

TileFetcher = Callable[[int, int, int], bytes]
"""``fetch_tile(level, index, width)`` returns the tile's bytes (``width * 32``)."""


def tile_width(level: int, index: int, size: int) -> int:
    """How many hashes tile ``(level, index)`` holds in the tree of ``size``; 0 if none."""
    if level < 0 or index < 0 or size < 0:
        raise InputError("tile level, index and tree size must not be negative")
    hashes_at_level = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes_at_level - index * TILE_WIDTH))


def _index_path(index: int) -> str:
    groups = []
    while True:
        index, low = divmod(index, 1000)
        groups.append(f"{low:03d}")
        if index == 0:
            break
    groups.reverse()
    return "/".join([f"x{group}" for group in groups[:-1]] + groups[-1:])


def _tile_resource(kind: str, index: int, width: int) -> str:
    if index < 0:
        raise InputError(f"tile index must not be negative, got {index}")
    if not 1 <= width <= TILE_WIDTH:
        raise InputError(f"tile width must be between 1 and {TILE_WIDTH}, got {width}")
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{kind}/{_index_path(index)}{suffix}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """The path of a hash tile, e.g. ``tile/0/x001/234.p/7``."""
    if not 0 <= level <= _MAX_LEVEL:
        raise InputError(f"tile level must be between 0 and {_MAX_LEVEL}, got {level}")
    return _tile_resource(str(level), index, width)


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """The path of an entry bundle, e.g. ``tile/entries/000.p/5``."""
    return _tile_resource("entries", index, width)


@dataclass(frozen=True)
class TilePath:
    """A parsed tile path; ``level`` is None for an entry bundle, ``width`` 256 when full."""

    level: int | None
    index: int
    width: int = TILE_WIDTH


_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_GROUP = re.compile(r"[0-9]{3}")
_X_GROUP = re.compile(r"x[0-9]{3}")


def _small_decimal(text: str, what: str, low: int, high: int) -> int:
    if not _DECIMAL.fullmatch(text) or not low <= int(text) <= high:
        raise FormatError(
            f"tile {what} must be a decimal from {low} to {high} without leading zeros, "
            f"got {text!r}"
        )
    return int(text)


def parse_tile_path(path: str) -> TilePath:
    """Parse ``[tile/]<L>/<N>[.p/<W>]`` or ``[tile/]entries/<N>[.p/<W>]`` strictly."""
    parts = path.split("/")
    if parts[0] == "tile":
        parts = parts[1:]
    if len(parts) < 2:
        raise FormatError(f"tile path {path!r} has no index")
    kind, groups = parts[0], parts[1:]
    level = None if kind == "entries" else _small_decimal(kind, "level", 0, _MAX_LEVEL)

    width = TILE_WIDTH
    if len(groups) >= 2 and groups[-2].endswith(".p"):
        width = _small_decimal(groups[-1], "width", 1, TILE_WIDTH - 1)
        groups = [*groups[:-2], groups[-2].removesuffix(".p")]

    for group in groups[:-1]:
        if not _X_GROUP.fullmatch(group):
            raise FormatError(f"tile path {path!r}: index element {group!r} is not x plus 3 digits")
    if not _GROUP.fullmatch(groups[-1]):
        raise FormatError(f"tile path {path!r}: last index element {groups[-1]!r} is not 3 digits")
    if len(groups) > 1 and groups[0] == "x000":
        raise FormatError(f"tile path {path!r}: index has a leading zero element")
    index = int("".join(group.lstrip("x") for group in groups))
    return TilePath(level=level, index=index, width=width)


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """Serialise entries as big-endian uint16 length-prefixed records."""
    out = bytearray()
    for position, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise EntryTooLarge(
                f"entry {position} is {len(entry)} bytes; the limit is {MAX_ENTRY_SIZE}"
            )
        out += len(entry).to_bytes(2, "big")
        out += entry
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    """Split an entry bundle back into entries."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise FormatError(f"entry bundle truncated in the length of entry {len(entries)}")
        length = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + length > len(data):
            raise FormatError(
                f"entry bundle truncated: entry {len(entries)} needs {length} bytes, "
                f"{len(data) - offset} remain"
            )
        entries.append(bytes(data[offset : offset + length]))
        offset += length
    return entries


def extend_tiles(compact: CompactRange, leaf_hashes: bytes) -> dict[tuple[int, int], bytes]:
    """Append leaf hashes, given concatenated, to ``compact``; return what they add to each tile.

    ``leaf_hashes`` is what :func:`leaf_tile` returns. The result maps
    ``(level, index)`` of every tile that grows to the hashes appended to it,
    concatenated in order; before them the tile held
    ``tile_width(level, index, old_size)`` hashes. These are exactly the nodes
    that ``compact.extend`` would visit at heights that are multiples of
    ``TILE_HEIGHT``, but every whole level-0 tile goes in as one subtree, hashed
    in bulk, so the cost per leaf is little more than its hash.
    """
    count, rest = divmod(len(leaf_hashes), HASH_SIZE)
    if rest:
        raise InputError(f"leaf hashes are {len(leaf_hashes)} bytes, not whole hashes")
    start = compact.size
    upper: dict[tuple[int, int], list[bytes]] = {}

    def visit(height: int, index: int, node: bytes) -> None:
        if height and height % TILE_HEIGHT == 0:
            key = (height // TILE_HEIGHT, index // TILE_WIDTH)
            upper.setdefault(key, []).append(node)

    # The roots of all whole level-0 tiles, in one call: from the first tile
    # boundary on, every TILE_WIDTH hashes that fit.
    head = min(count, -start % TILE_WIDTH)
    whole = (count - head) // TILE_WIDTH * TILE_WIDTH * HASH_SIZE
    body = leaf_hashes[head * HASH_SIZE : head * HASH_SIZE + whole]
    roots = subtree_roots(body, TILE_WIDTH) if body else b""
    grown: dict[tuple[int, int], bytes] = {}
    done = 0
    while done < count:
        position = start + done
        take = min(count - done, TILE_WIDTH - position % TILE_WIDTH)
        tile = leaf_hashes[done * HASH_SIZE : (done + take) * HASH_SIZE]
        if take == TILE_WIDTH:
            at = (done - head) // TILE_WIDTH * HASH_SIZE
            compact.append_subtree(TILE_HEIGHT, roots[at : at + HASH_SIZE], visit)
        else:
            for offset in range(0, len(tile), HASH_SIZE):
                compact.append(tile[offset : offset + HASH_SIZE], visit)
        grown[(0, position // TILE_WIDTH)] = tile
        done += take
    for key, nodes in upper.items():
        grown[key] = b"".join(nodes)
    return grown


class TileHashReader:
    """Reads complete tree nodes out of tiles for a tree of fixed ``size``, caching tiles.

    Its :meth:`node` method is a :data:`~glassbox.tlog.NodeReader` for the proof
    builders.  Nodes between tile levels are hashed together from tile hashes.
    """

    __slots__ = ("_cache", "_fetch", "size")

    def __init__(self, fetch_tile: TileFetcher, size: int) -> None:
        if size < 0:
            raise InputError(f"tree size must not be negative, got {size}")
        self._fetch = fetch_tile
        self.size = size
        self._cache: dict[tuple[int, int], list[bytes]] = {}

    def _tile(self, level: int, index: int) -> list[bytes]:
        key = (level, index)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        width = tile_width(level, index, self.size)
        data = self._fetch(level, index, width)
        if len(data) != width * HASH_SIZE:
            raise FormatError(
                f"tile {tile_path(level, index, width)} is {len(data)} bytes, "
                f"expected {width * HASH_SIZE}"
            )
        hashes = [bytes(data[i : i + HASH_SIZE]) for i in range(0, len(data), HASH_SIZE)]
        self._cache[key] = hashes
        return hashes

    def node(self, height: int, index: int) -> bytes:
        """The hash of the complete subtree at ``(height, index)``."""
        if height < 0 or index < 0 or (index + 1) << height > self.size:
            raise InputError(
                f"node ({height}, {index}) is not a complete node of a tree of size {self.size}"
            )
        level, below = divmod(height, TILE_HEIGHT)
        first = index << below  # the node's leftmost descendant at the tile level
        tile = self._tile(level, first // TILE_WIDTH)
        offset = first % TILE_WIDTH
        layer = tile[offset : offset + (1 << below)]
        while len(layer) > 1:
            layer = [node_hash(layer[i], layer[i + 1]) for i in range(0, len(layer), 2)]
        return layer[0]
