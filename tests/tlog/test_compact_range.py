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
