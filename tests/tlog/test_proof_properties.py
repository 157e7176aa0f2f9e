"""Structural properties of proofs over trees of up to ~600 leaves (several tiles)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassbox.errors import ConsistencyError, InclusionError, InputError
from glassbox.tlog import (
    EMPTY_ROOT,
    TileHashReader,
    consistency_proof,
    inclusion_proof,
    root_at,
    verify_consistency,
    verify_inclusion,
)

from ._support import LEAVES, TREE, consistency_probes, inclusion_probes, reference_root

MAX_LEAVES = 600


@st.composite
def two_sizes(draw: st.DrawFn, low: int = 1) -> tuple[int, int]:
    size2 = draw(st.integers(min_value=low, max_value=MAX_LEAVES))
    size1 = draw(st.integers(min_value=low, max_value=size2))
    return size1, size2


def _roots(*sizes: int) -> list[bytes]:
    return [reference_root(LEAVES[:size]) for size in sizes]


@given(st.integers(min_value=0, max_value=MAX_LEAVES))
def test_root_at_matches_the_rfc_definition(size: int) -> None:
    assert root_at(size, TREE.reader(size)) == reference_root(LEAVES[:size])


@given(two_sizes())
def test_any_two_tree_heads_are_consistent(sizes: tuple[int, int]) -> None:
    size1, size2 = sizes
    root1, root2 = _roots(size1, size2)
    proof = consistency_proof(size1, size2, TREE.reader(size2))
    verify_consistency(size1, size2, proof, root1, root2)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=MAX_LEAVES))
def test_every_leaf_is_included(size: int) -> None:
    (root,) = _roots(size)
    reader = TREE.reader(size)
    for index in range(size):
        proof = inclusion_proof(index, size, reader)
        verify_inclusion(LEAVES[index], index, size, proof, root)


@settings(deadline=None)
@given(st.data())
def test_corrupted_inclusion_proofs_fail(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=MAX_LEAVES), label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    (root,) = _roots(size)
    proof = inclusion_proof(index, size, TREE.reader(size))
    verify_inclusion(LEAVES[index], index, size, proof, root)
    for desc, args in inclusion_probes(LEAVES[index], index, size, proof, root, every_bit=False):
        with pytest.raises(InclusionError):
            verify_inclusion(*args)
            pytest.fail(f"corrupted proof verified: {desc}")


@settings(deadline=None)
@given(two_sizes())
def test_corrupted_consistency_proofs_fail(sizes: tuple[int, int]) -> None:
    size1, size2 = sizes
    if size1 == size2:
        size1 -= 1
    if size1 == 0:
        return
    root1, root2 = _roots(size1, size2)
    proof = consistency_proof(size1, size2, TREE.reader(size2))
    verify_consistency(size1, size2, proof, root1, root2)
    for desc, args in consistency_probes(size1, size2, proof, root1, root2, every_bit=False):
        with pytest.raises(ConsistencyError):
            verify_consistency(*args)
            pytest.fail(f"corrupted proof verified: {desc}")


@given(st.integers(min_value=1, max_value=MAX_LEAVES))
def test_equal_sizes_need_empty_proof_and_equal_roots(size: int) -> None:
    root, other = _roots(size, size - 1)
    assert consistency_proof(size, size, TREE.reader(size)) == []
    verify_consistency(size, size, [], root, root)
    with pytest.raises(ConsistencyError):
        verify_consistency(size, size, [], root, other)
    with pytest.raises(ConsistencyError):
        verify_consistency(size, size, [root], root, root)


def test_consistency_from_the_empty_tree_is_refused() -> None:
    assert consistency_proof(0, 5, TREE.reader(5)) == []
    with pytest.raises(ConsistencyError, match="empty tree"):
        verify_consistency(0, 5, [], EMPTY_ROOT, reference_root(LEAVES[:5]))
    with pytest.raises(ConsistencyError):
        verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)


def test_builders_reject_impossible_requests() -> None:
    reader = TREE.reader(10)
    with pytest.raises(InputError):
        inclusion_proof(10, 10, reader)
    with pytest.raises(InputError):
        inclusion_proof(-1, 10, reader)
    with pytest.raises(InputError):
        consistency_proof(11, 10, reader)
    with pytest.raises(InputError):
        consistency_proof(-1, 10, reader)
    with pytest.raises(InputError):
        root_at(-1, reader)
    assert root_at(0, reader) == EMPTY_ROOT


@given(two_sizes(low=1))
def test_tile_reader_gives_the_same_proofs(sizes: tuple[int, int]) -> None:
    size1, size2 = sizes
    plain = TREE.reader(size2)
    tiles = TileHashReader(lambda level, index, width: TREE.tile(level, index, width), size2)
    assert root_at(size2, tiles.node) == root_at(size2, plain)
    assert consistency_proof(size1, size2, tiles.node) == consistency_proof(size1, size2, plain)
    index = size1 - 1
    assert inclusion_proof(index, size2, tiles.node) == inclusion_proof(index, size2, plain)
