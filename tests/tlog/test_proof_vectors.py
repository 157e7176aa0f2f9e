"""Known-answer tests: transparency-dev/merkle vectors and the classic RFC 6962 tree."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from glassbox.errors import ConsistencyError, InclusionError, InputError
from glassbox.tlog import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    leaf_hashes,
    node_hash,
    root_at,
    subtree_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

from ._support import MemoryTree, consistency_probes, data_jsonl, data_lines, inclusion_probes

MERKLE = data_jsonl("transparency-dev_merkle_testdata.jsonl")


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [_b64(h) for h in vector["proof"] or []]


def _vectors(kind: str) -> list[Any]:
    cases = [case for case in MERKLE if case["path"].split("/")[1] == kind]
    return [pytest.param(case["vector"], id=case["path"].split("/", 2)[2]) for case in cases]


def test_vector_file_has_every_case() -> None:
    assert len(MERKLE) == 518


@pytest.mark.parametrize("vector", _vectors("inclusion"))
def test_inclusion_vector(vector: dict[str, Any]) -> None:
    args = (
        _b64(vector["leafHash"]),
        vector["leafIdx"],
        vector["treeSize"],
        _proof(vector),
        _b64(vector["root"]),
    )
    if vector["wantErr"]:
        with pytest.raises(InclusionError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("vector", _vectors("consistency"))
def test_consistency_vector(vector: dict[str, Any]) -> None:
    size1, size2, proof = vector["size1"], vector["size2"], _proof(vector)
    root1, root2 = _b64(vector["root1"]), _b64(vector["root2"])
    if not vector["wantErr"]:
        verify_consistency(size1, size2, proof, root1, root2)
        return
    with pytest.raises(ConsistencyError) as caught:
        verify_consistency(size1, size2, proof, root1, root2)
    error = caught.value
    assert (error.size1, error.size2, error.root1, error.root2) == (size1, size2, root1, root2)
    assert error.proof == tuple(proof)


def _aligned(start: int, end: int) -> bool:
    """A subtree [start, end) is valid when start is a multiple of its padded width."""
    if not 0 <= start < end:
        return False
    width = 1 << (end - start - 1).bit_length()
    return start % width == 0


@pytest.mark.parametrize("vector", _vectors("subtreeinclusion"))
def test_subtree_inclusion_vector_as_plain_inclusion(vector: dict[str, Any]) -> None:
    """A valid subtree [start, end) is shaped like a tree of end - start leaves, so
    inclusion in it is plain inclusion at index - start; invalid subtrees must fail."""
    start, end, index = vector["start"], vector["end"], vector["leafIdx"]
    valid = _aligned(start, end) and start <= index
    args = (_b64(vector["leafHash"]), index - start, end - start, _proof(vector))
    if not vector["wantErr"]:
        assert valid
        verify_inclusion(*args, _b64(vector["root"]))
    elif valid:
        with pytest.raises(InclusionError):
            verify_inclusion(*args, _b64(vector["root"]))


@pytest.mark.parametrize(
    "vector",
    [v for v in _vectors("subtreeconsistency") if v.values[0]["start"] == 0 < v.values[0]["end"]],
)
def test_subtree_consistency_vector_from_zero_as_plain_consistency(
    vector: dict[str, Any],
) -> None:
    """Consistency of a non-empty subtree [0, end) with a tree of ``size`` is plain
    consistency.  (Empty subtrees follow different rules, and other subtree
    proofs are a different proof type, outside this API.)"""
    args = (vector["end"], vector["size"], _proof(vector))
    roots = (_b64(vector["root1"]), _b64(vector["root2"]))
    if vector["wantErr"]:
        with pytest.raises(ConsistencyError):
            verify_consistency(*args, *roots)
    else:
        verify_consistency(*args, *roots)


# The classic eight RFC 6962 test leaves, their roots, and every proof for n <= 8.

RFC = data_lines("rfc6962_leaves_roots_proofs.txt")


def _fields(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)


def _hashes(text: str) -> list[bytes]:
    return [] if text == "-" else [bytes.fromhex(h) for h in text.split(",")]


LEAF_INPUTS = [
    b"" if f["input_hex"] == "(empty)" else bytes.fromhex(f["input_hex"])
    for f in (_fields(line) for line in RFC if line.startswith("leaf "))
]
LEAF_HASHES = [
    bytes.fromhex(_fields(line)["leaf_hash"]) for line in RFC if line.startswith("leaf ")
]
ROOTS = {
    int(line.split()[1].removeprefix("size=")): bytes.fromhex(line.split()[2])
    for line in RFC
    if line.startswith("root ")
}
INCLUSIONS = [_fields(line) for line in RFC if line.startswith("inclusion ")]
CONSISTENCIES = [_fields(line) for line in RFC if line.startswith("consistency ")]
CLASSIC = MemoryTree(LEAF_HASHES)


def test_hasher_vectors() -> None:
    hasher = {
        line.split()[1]: bytes.fromhex(line.split()[2])
        for line in RFC
        if line.startswith("hasher ")
    }
    assert hasher["EMPTY_ROOT"] == EMPTY_ROOT
    assert leaf_hash(b"") == hasher["LEAF('')"]
    assert leaf_hash(b"L123456") == hasher["LEAF('L123456')"]
    assert node_hash(b"N123", b"N456") == hasher["NODE('N123','N456')"]


def test_leaf_hashes_and_roots() -> None:
    assert len(LEAF_INPUTS) == 8
    assert [leaf_hash(data) for data in LEAF_INPUTS] == LEAF_HASHES
    assert leaf_hashes(iter(LEAF_INPUTS)) == LEAF_HASHES
    assert sorted(ROOTS) == list(range(9))
    for size, root in ROOTS.items():
        assert tree_root(LEAF_HASHES[:size]) == root
        assert root_at(size, CLASSIC.reader(size)) == root
        if size and not size & (size - 1):  # a perfect tree
            assert subtree_hash(LEAF_HASHES[:size]) == root


@pytest.mark.parametrize("hashes", [[], [b"\0" * 32] * 3, [b"\0" * 32, b"short"]])
def test_subtree_hash_refuses_what_is_not_a_perfect_subtree(hashes: list[bytes]) -> None:
    with pytest.raises(InputError):
        subtree_hash(hashes)


def test_every_classic_pair_is_listed() -> None:
    assert len(INCLUSIONS) == 36
    assert len(CONSISTENCIES) == 36


@pytest.mark.parametrize("case", INCLUSIONS, ids=lambda c: f"{c['leaf_index']}-of-{c['tree_size']}")
def test_classic_inclusion(case: dict[str, str]) -> None:
    index, size, want = int(case["leaf_index"]), int(case["tree_size"]), _hashes(case["proof"])
    assert inclusion_proof(index, size, CLASSIC.reader(size)) == want
    verify_inclusion(LEAF_HASHES[index], index, size, want, ROOTS[size])
    for desc, args in inclusion_probes(
        LEAF_HASHES[index], index, size, want, ROOTS[size], every_bit=True
    ):
        with pytest.raises(InclusionError):
            verify_inclusion(*args)
            pytest.fail(f"corrupted proof verified: {desc}")


@pytest.mark.parametrize("case", CONSISTENCIES, ids=lambda c: f"{c['size1']}-to-{c['size2']}")
def test_classic_consistency(case: dict[str, str]) -> None:
    size1, size2, want = int(case["size1"]), int(case["size2"]), _hashes(case["proof"])
    root1, root2 = ROOTS[size1], ROOTS[size2]
    assert consistency_proof(size1, size2, CLASSIC.reader(size2)) == want
    verify_consistency(size1, size2, want, root1, root2)
    if size1 == size2:
        return
    for desc, args in consistency_probes(size1, size2, want, root1, root2, every_bit=True):
        with pytest.raises(ConsistencyError):
            verify_consistency(*args)
            pytest.fail(f"corrupted proof verified: {desc}")
