"""C2SP tlog-tiles: tile widths, paths, entry bundles and the tile-backed node reader."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassbox.errors import EntryTooLarge, FormatError, InputError
from glassbox.tlog import (
    MAX_ENTRY_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    CompactRange,
    TileHashReader,
    TilePath,
    decode_bundle,
    encode_bundle,
    entries_path,
    extend_tiles,
    parse_tile_path,
    tile_path,
    tile_width,
)

from ._support import LEAVES, TREE, data_json

SPEC = data_json("c2sp_spec_examples.json")


def test_constants() -> None:
    assert (TILE_HEIGHT, TILE_WIDTH, MAX_ENTRY_SIZE) == (8, 256, 65535)


def test_spec_example_tree_of_70000() -> None:
    assert "273 full level-0 tiles" in SPEC["tlog-tiles.md#size_example"]
    size = 70000
    assert [tile_width(0, i, size) for i in range(271, 275)] == [256, 256, 112, 0]
    assert sum(1 for i in range(300) if tile_width(0, i, size) == TILE_WIDTH) == 273
    assert [tile_width(1, i, size) for i in range(3)] == [256, 17, 0]
    assert [tile_width(2, i, size) for i in range(2)] == [1, 0]
    assert tile_width(3, 0, size) == 0


def test_tree_of_256_has_a_partial_level_1_tile() -> None:
    assert tile_width(0, 0, 256) == 256
    assert tile_width(0, 1, 256) == 0
    assert tile_width(1, 0, 256) == 1
    assert tile_width(0, 0, 0) == 0


@pytest.mark.parametrize(
    ("level", "index", "width", "path"),
    [
        (0, 0, 256, "tile/0/000"),
        (0, 1234067, 256, "tile/0/x001/x234/067"),
        (0, 1234, 7, "tile/0/x001/234.p/7"),
        (2, 999, 256, "tile/2/999"),
        (2, 1000, 255, "tile/2/x001/000.p/255"),
        (63, 1, 1, "tile/63/001.p/1"),
        (5, 10**9, 256, "tile/5/x001/x000/x000/000"),
    ],
)
def test_tile_paths(level: int, index: int, width: int, path: str) -> None:
    assert tile_path(level, index, width) == path
    assert parse_tile_path(path) == TilePath(level, index, width)
    assert parse_tile_path(path.removeprefix("tile/")) == TilePath(level, index, width)


def test_spec_index_example() -> None:
    assert "index 1234067 => path element x001/x234/067" in SPEC["tlog-tiles.md#size_example"]
    assert tile_path(0, 1234067).endswith("/x001/x234/067")


@pytest.mark.parametrize(
    ("index", "width", "path"),
    [(0, 5, "tile/entries/000.p/5"), (0, 256, "tile/entries/000"), (1234067, 3, None)],
)
def test_entry_bundle_paths(index: int, width: int, path: str | None) -> None:
    path = path or "tile/entries/x001/x234/067.p/3"
    assert entries_path(index, width) == path
    assert parse_tile_path(path) == TilePath(None, index, width)


@given(
    st.integers(min_value=0, max_value=63),
    st.integers(min_value=0, max_value=2**64),
    st.integers(min_value=1, max_value=256),
)
def test_paths_round_trip(level: int, index: int, width: int) -> None:
    assert parse_tile_path(tile_path(level, index, width)) == TilePath(level, index, width)
    assert parse_tile_path(entries_path(index, width)) == TilePath(None, index, width)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "/tile/0/000",
        "tiles/0/000",
        "x/tile/0/000",
        "tile/0/1",
        "tile/0/01",
        "tile/0/0001",
        "tile/0/x1/000",
        "tile/0/001/000",
        "tile/0/x001",
        "tile/0/x000/001",
        "tile/0/X001/000",
        "tile/0/000/",
        "tile/0/ 000",
        "tile/0/٠٠٠",
        "tile/0/+12",
        "tile/64/000",
        "tile/01/000",
        "tile/-1/000",
        "tile/+1/000",
        "tile/data/000",
        "tile/entries",
        "tile/entries/",
        "tile/0/000.p",
        "tile/0/000.p/",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/07",
        "tile/0/000.p/5/6",
        "tile/0/000.q/5",
        "tile/3/4/x001/x234/067.p/1",
    ],
)
def test_bad_paths_are_rejected(path: str) -> None:
    with pytest.raises(FormatError):
        parse_tile_path(path)


@pytest.mark.parametrize(
    ("level", "index", "width"),
    [(64, 0, 256), (-1, 0, 256), (0, -1, 256), (0, 0, 0), (0, 0, 257)],
)
def test_path_builders_reject_bad_arguments(level: int, index: int, width: int) -> None:
    with pytest.raises(InputError):
        tile_path(level, index, width)
    if level == 0:
        with pytest.raises(InputError):
            entries_path(index, width)


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_bundles_round_trip(entries: list[bytes]) -> None:
    assert decode_bundle(encode_bundle(entries)) == entries


def test_bundle_format() -> None:
    assert encode_bundle([b"one", b""]) == b"\x00\x03one\x00\x00"
    assert encode_bundle([]) == b""
    assert decode_bundle(b"") == []
    largest = b"x" * MAX_ENTRY_SIZE
    assert decode_bundle(encode_bundle([largest])) == [largest]


def test_oversized_entry_is_refused() -> None:
    with pytest.raises(EntryTooLarge):
        encode_bundle([b"ok", b"x" * (MAX_ENTRY_SIZE + 1)])


@pytest.mark.parametrize("data", [b"\x00", b"\x00\x05abc", b"\x00\x01a\x00", b"\x00\x02a"])
def test_truncated_bundles_are_rejected(data: bytes) -> None:
    with pytest.raises(FormatError):
        decode_bundle(data)


def test_tile_reader_fetches_each_tile_once_with_its_width() -> None:
    size = 600  # two full level-0 tiles, one partial of width 88, a level-1 tile of width 2
    fetched: list[tuple[int, int, int]] = []

    def fetch(level: int, index: int, width: int) -> bytes:
        fetched.append((level, index, width))
        return TREE.tile(level, index, width)

    reader = TileHashReader(fetch, size)
    for height in range(10):
        for index in range(size >> height):
            assert reader.node(height, index) == TREE.levels[height][index]
    assert sorted(fetched) == [(0, 0, 256), (0, 1, 256), (0, 2, 88), (1, 0, 2)]


def test_tile_reader_refuses_incomplete_nodes_and_bad_tiles() -> None:
    reader = TileHashReader(lambda level, index, width: TREE.tile(level, index, width), 5)
    with pytest.raises(InputError):
        reader.node(0, 5)
    with pytest.raises(InputError):
        reader.node(1, 2)  # leaves 4 and 5: only 4 exists
    with pytest.raises(InputError):
        reader.node(3, 0)
    short = TileHashReader(lambda level, index, width: b"\x00" * 31, 5)
    with pytest.raises(FormatError):
        short.node(0, 0)


# Start anywhere, including just below a level-2 boundary (65,536 leaves), so
# that level-1 and level-2 tiles grow too; the range's own hashes are arbitrary.
starts = st.one_of(
    st.integers(min_value=0, max_value=1 << 20),
    st.builds(lambda k, back: max(0, (k << 16) - back), st.integers(1, 8), st.integers(0, 1100)),
)


@settings(deadline=None)
@given(starts, st.integers(min_value=0, max_value=len(LEAVES)))
def test_extend_tiles_adds_what_visiting_every_node_would(start: int, count: int) -> None:
    hashes = LEAVES[: start.bit_count()]
    bulk, visited = CompactRange(start, hashes), CompactRange(start, hashes)
    expected: dict[tuple[int, int], bytes] = {}

    def visit(height: int, index: int, node: bytes) -> None:
        if height % TILE_HEIGHT == 0:
            key = (height // TILE_HEIGHT, index // TILE_WIDTH)
            expected[key] = expected.get(key, b"") + node

    visited.extend(LEAVES[:count], visit)
    grown = extend_tiles(bulk, b"".join(LEAVES[:count]))
    assert grown == expected
    assert bulk.size == visited.size == start + count
    assert bulk.hashes == visited.hashes
    for (level, index), added in grown.items():
        before = tile_width(level, index, start)
        assert before + len(added) // 32 == tile_width(level, index, start + count)


def test_extend_tiles_builds_the_stored_tiles_of_a_tree() -> None:
    compact = CompactRange()
    tiles: dict[tuple[int, int], bytes] = {}
    for chunk in (1, 300, 255, 200, 344):  # 1100 leaves in uneven rounds
        for key, added in extend_tiles(
            compact, b"".join(LEAVES[compact.size : compact.size + chunk])
        ).items():
            tiles[key] = tiles.get(key, b"") + added
    assert compact.size == len(LEAVES)
    assert tiles == {(0, i): TREE.tile(0, i, tile_width(0, i, len(LEAVES))) for i in range(5)} | {
        (1, 0): TREE.tile(1, 0, 4)
    }
