"""The C tile hashing agrees with the pure-Python hashing it accelerates.

Both implementations are always importable here: `_python_*` are the fallbacks
used when the extension is not built. CI sets GLASSBOX_REQUIRE_NATIVE=1, so
there a missing build fails instead of silently testing only the fallback.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from glassbox.errors import InputError
from glassbox.tlog import (
    NATIVE,
    _hash,
    leaf_hash,
    leaf_hashes,
    leaf_tile,
    node_hash,
    subtree_root,
    subtree_roots,
)

native = pytest.mark.skipif(
    not NATIVE and not os.environ.get("GLASSBOX_REQUIRE_NATIVE"),
    reason="glassbox.tlog._native is not built (no C compiler or OpenSSL headers)",
)

entries = st.lists(st.binary(max_size=700), max_size=40) | st.lists(
    st.binary(min_size=1000, max_size=70_000), max_size=2
)
hashes32 = st.binary(min_size=32, max_size=32)


@pytest.fixture(scope="module")
def ext() -> ModuleType:
    """The C extension itself (its functions are what the public helpers call)."""
    return importlib.import_module("glassbox.tlog._native")


@native
def test_the_extension_is_built_and_used(ext: ModuleType) -> None:
    assert NATIVE
    assert _hash._native_leaf_tile is ext.leaf_tile
    assert _hash._native_subtree_roots is ext.subtree_roots


@native
@given(entries)
def test_leaf_tile_matches_python(ext: ModuleType, items: list[bytes]) -> None:
    expected = b"".join(_hash._python_leaf_hashes(items))
    assert ext.leaf_tile(items) == expected
    assert expected == b"".join(leaf_hash(e) for e in items)


@native
@given(st.integers(0, 9).flatmap(lambda k: st.lists(hashes32, min_size=2**k, max_size=2**k)))
def test_subtree_root_matches_python(ext: ModuleType, level: list[bytes]) -> None:
    blob = b"".join(level)
    expected = _hash._python_subtree_root(blob)
    assert ext.subtree_roots(blob, len(level)) == expected
    while len(level) > 1:  # and both match the definition, pair by pair
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    assert expected == level[0]


@native
def test_the_extension_takes_any_bytes_like_entry_and_refuses_others(ext: ModuleType) -> None:
    assert ext.leaf_tile([bytearray(b"a"), memoryview(b"b")]) == leaf_hash(b"a") + leaf_hash(b"b")
    assert ext.leaf_tile([]) == b""
    with pytest.raises(TypeError, match="entry 1"):
        ext.leaf_tile([b"a", "text"])  # type: ignore[list-item]
    for blob, width in [(b"\0" * 96, 3), (b"\0" * 96, 2), (b"", 1), (b"\0" * 64, 0)]:
        with pytest.raises(ValueError, match="power-of-two"):
            ext.subtree_roots(blob, width)
    with pytest.raises(TypeError):
        ext.subtree_roots(b"\0" * 64)  # type: ignore[call-arg]


@given(
    st.integers(0, 8).flatmap(
        lambda k: st.tuples(st.just(2**k), st.lists(hashes32, min_size=2**k, max_size=2**k * 12))
    ),
    st.booleans(),
)
def test_subtree_roots_are_the_roots_of_each_run(
    width_and_hashes: tuple[int, list[bytes]], big: bool
) -> None:
    """One call for many runs gives each run's root, also above the GIL-release size."""
    width, hashes = width_and_hashes
    hashes = hashes[: len(hashes) // width * width]
    if big:  # past 64 KiB, where the C code hashes with the GIL released
        hashes = hashes * (-(-(300 * 1024) // (len(hashes) * 32)))
    blob = b"".join(hashes)
    roots = subtree_roots(blob, width)
    assert roots == b"".join(
        subtree_root(blob[i : i + width * 32]) for i in range(0, len(blob), width * 32)
    )


def test_leaf_tile_is_the_same_above_the_gil_release_size() -> None:
    items = [bytes([i % 251]) * 1000 for i in range(400)]  # 400 kB
    assert leaf_tile(items) == b"".join(map(leaf_hash, items))


@given(entries)
def test_public_helpers_agree_whichever_implementation_runs(items: list[bytes]) -> None:
    assert leaf_tile(items) == b"".join(leaf_hashes(items)) == b"".join(map(leaf_hash, items))
    assert leaf_hashes(iter(items)) == [leaf_hash(e) for e in items]


@pytest.mark.parametrize("size", [0, 31, 33, 32 * 3, 32 * 6])
def test_subtree_root_refuses_what_is_not_a_perfect_subtree(size: int) -> None:
    with pytest.raises(InputError, match="power-of-two"):
        subtree_root(b"\1" * size)
    with pytest.raises(InputError, match="power-of-two"):
        subtree_roots(b"\1" * size, 4)
