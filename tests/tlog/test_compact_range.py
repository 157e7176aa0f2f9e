"""CompactRange: the right edge of the tree that the log appends to."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassbox.errors import FormatError, InputError
from glassbox.tlog import EMPTY_ROOT, CompactRange, tree_root

from ._support import LEAVES, TREE, reference_root

sizes = st.integers(min_value=0, max_value=600)


def test_empty_range() -> None:
    compact = CompactRange()
    assert compact.size == 0
    assert compact.hashes == []
    assert compact.root() == EMPTY_ROOT
    assert compact.to_bytes() == b""
    assert tree_root([]) == EMPTY_ROOT


@given(sizes)
def test_root_of_every_prefix_matches_the_rfc_definition(size: int) -> None:
    compact = CompactRange()
    for index in range(size):
        compact.append(LEAVES[index])
        assert compact.size == index + 1
    assert compact.root() == tree_root(LEAVES[:size]) == reference_root(LEAVES[:size])
    assert len(compact.hashes) == size.bit_count()


@settings(deadline=None)
@given(sizes)
def test_visit_sees_exactly_the_completed_nodes(size: int) -> None:
    compact = CompactRange()
    seen: dict[tuple[int, int], bytes] = {}
    visits: list[tuple[int, int, bytes]] = []

    def visit(height: int, index: int, value: bytes) -> None:
        visits.append((height, index, value))

    for index in range(size):
        before = len(visits)
        compact.append(LEAVES[index], visit)
        calls = visits[before:]
        assert calls[0] == (0, index, LEAVES[index])
        heights = [height for height, _, _ in calls]
        assert heights == list(range(len(calls)))
        for height, node_index, value in calls:
            assert (height, node_index) not in seen
            seen[(height, node_index)] = value
    complete = {
        (height, i): TREE.levels[height][i]
        for height in range(size.bit_length())
        for i in range(size >> height)
    }
    assert seen == complete


@given(sizes, sizes)
def test_saved_range_resumes_where_it_left_off(first: int, more: int) -> None:
    compact = CompactRange()
    compact.extend(LEAVES[:first])
    restored = CompactRange.from_bytes(first, compact.to_bytes())
    assert restored.size == first
    assert restored.hashes == compact.hashes
    restored.extend(LEAVES[first : first + more])
    assert restored.root() == tree_root(LEAVES[: first + more])


def test_hashes_property_is_a_copy() -> None:
    compact = CompactRange()
    compact.extend(LEAVES[:3])
    compact.hashes.clear()
    assert len(compact.hashes) == 2


@pytest.mark.parametrize(
    ("size", "count"), [(0, 1), (1, 0), (3, 1), (4, 2), (7, 2), (8, 0), (-1, 0)]
)
def test_wrong_number_of_hashes_is_rejected(size: int, count: int) -> None:
    with pytest.raises(FormatError):
        CompactRange(size, [LEAVES[0]] * count)


def test_bad_saved_data_is_rejected() -> None:
    with pytest.raises(FormatError):
        CompactRange.from_bytes(1, LEAVES[0][:31])
    with pytest.raises(FormatError):
        CompactRange.from_bytes(3, LEAVES[0])
    with pytest.raises(FormatError):
        CompactRange(1, [b"short"])


def test_append_rejects_a_short_hash() -> None:
    with pytest.raises(InputError):
        CompactRange().append(b"not a hash")


heights = st.integers(min_value=0, max_value=9)


@settings(deadline=None)
@given(sizes, heights)
def test_a_whole_subtree_appends_like_its_leaves(size: int, height: int) -> None:
    start = size >> height << height  # the subtree starts on its own boundary
    end = start + (1 << height)
    if end > len(LEAVES):
        start, end = 0, 1 << height
    by_leaf, by_subtree = CompactRange(), CompactRange()
    by_leaf.extend(LEAVES[:start])
    by_subtree.extend(LEAVES[:start])
    leaf_visits: list[tuple[int, int, bytes]] = []
    subtree_visits: list[tuple[int, int, bytes]] = []
    for leaf in LEAVES[start:end]:
        by_leaf.append(leaf, lambda h, i, v: leaf_visits.append((h, i, v)))
    node = TREE.levels[height][start >> height]
    by_subtree.append_subtree(height, node, lambda h, i, v: subtree_visits.append((h, i, v)))
    assert by_subtree.size == by_leaf.size == end
    assert by_subtree.hashes == by_leaf.hashes
    assert subtree_visits == [call for call in leaf_visits if call[0] >= height]
    assert subtree_visits[0] == (height, start >> height, node)


@pytest.mark.parametrize(
    ("size", "height", "node"),
    [(1, 1, LEAVES[0]), (6, 2, LEAVES[0]), (4, -1, LEAVES[0]), (4, 2, b"short")],
)
def test_a_misplaced_or_malformed_subtree_is_refused(size: int, height: int, node: bytes) -> None:
    compact = CompactRange()
    compact.extend(LEAVES[:size])
    with pytest.raises(InputError):
        compact.append_subtree(height, node)
    assert compact.size == size


@given(sizes, sizes)
def test_bulk_extend_keeps_the_same_range_as_appending_one_by_one(first: int, more: int) -> None:
    bulk, single = CompactRange(), CompactRange()
    bulk.extend(LEAVES[:first])
    bulk.extend(iter(LEAVES[first : first + more]))
    for leaf in LEAVES[: first + more]:
        single.append(leaf, lambda h, i, v: None)
    assert bulk.size == single.size
    assert bulk.hashes == single.hashes
    assert bulk.root() == reference_root(LEAVES[: first + more])
