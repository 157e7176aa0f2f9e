"""Inclusion and consistency proofs (RFC 9162, section 2.1): building and verifying.

Builders read the tree through a :data:`NodeReader`, which only ever has to
return *complete* nodes: the hash of the perfect subtree at ``(height, index)``,
covering leaves ``[index << height, (index + 1) << height)``.  Hashes of the
ragged right edge are folded from complete nodes here.

Verifiers follow the semantics of transparency-dev/merkle, including its
refusal of a consistency proof from the empty tree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from glassbox.errors import ConsistencyError, InclusionError, InputError

from ._compact import fold_right
from ._hash import EMPTY_ROOT, HASH_SIZE, node_hash

NodeReader = Callable[[int, int], bytes]
"""``node(height, index)`` returns the hash of a complete subtree."""


def _split(size: int) -> int:
    """The largest power of two strictly below ``size`` (``size`` >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def _range_hash(begin: int, end: int, node: NodeReader) -> bytes:
    """The Merkle tree hash of leaves ``[begin, end)``, from complete nodes only.

    ``begin`` must be a multiple of a power of two at least ``end - begin``,
    as every range in the RFC's recursive definition is.
    """
    parts: list[bytes] = []
    while begin < end:
        height = (end - begin).bit_length() - 1
        # The range is aligned, so the biggest block that fits starts here.
        while begin & ((1 << height) - 1):
            height -= 1
        parts.append(node(height, begin >> height))
        begin += 1 << height
    return fold_right(parts)


def root_at(size: int, node: NodeReader) -> bytes:
    """The root hash of the tree of ``size`` leaves."""
    if size < 0:
        raise InputError(f"tree size must not be negative, got {size}")
    if size == 0:
        return EMPTY_ROOT
    return _range_hash(0, size, node)


def inclusion_proof(index: int, size: int, node: NodeReader) -> list[bytes]:
    """The audit path for leaf ``index`` in the tree of ``size`` leaves, bottom up."""
    if not 0 <= index < size:
        raise InputError(f"leaf index {index} is not inside a tree of size {size}")
    path: list[bytes] = []
    begin, end = 0, size
    while end - begin > 1:
        middle = begin + _split(end - begin)
        if index < middle:
            path.append(_range_hash(middle, end, node))
            end = middle
        else:
            path.append(_range_hash(begin, middle, node))
            begin = middle
    path.reverse()
    return path


def consistency_proof(size1: int, size2: int, node: NodeReader) -> list[bytes]:
    """The proof that the tree of ``size1`` leaves is a prefix of the one of ``size2``.

    Empty when the sizes are equal or ``size1`` is 0 (nothing to prove).
    """
    if not 0 <= size1 <= size2:
        raise InputError(f"need 0 <= size1 <= size2, got {size1} and {size2}")
    if size1 in (0, size2):
        return []
    path: list[bytes] = []
    begin, end = 0, size2
    # `whole_old_tree` stays true while [begin, end) starts at leaf 0, so the
    # old tree's root, which the verifier already has, need not be sent.
    whole_old_tree = True
    while end != size1:
        middle = begin + _split(end - begin)
        if size1 <= middle:
            path.append(_range_hash(middle, end, node))
            end = middle
        else:
            path.append(_range_hash(begin, middle, node))
            begin = middle
            whole_old_tree = False
        if end == size1 and not whole_old_tree:
            path.append(_range_hash(begin, end, node))
    path.reverse()
    return path


def _inner_and_border(index: int, size: int) -> tuple[int, int]:
    """Split an inclusion path for ``index`` into the part below where it meets the
    path of the last leaf (``inner``) and the part along the right border."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _chain(seed: bytes, inner: Sequence[bytes], index: int, border: Sequence[bytes]) -> bytes:
    """Hash up from ``seed`` at position ``index`` through the inner then border proof."""
    for level, sibling in enumerate(inner):
        is_right_child = (index >> level) & 1
        seed = node_hash(sibling, seed) if is_right_child else node_hash(seed, sibling)
    for sibling in border:
        seed = node_hash(sibling, seed)
    return seed


def _chain_left_only(
    seed: bytes, inner: Sequence[bytes], index: int, border: Sequence[bytes]
) -> bytes:
    """Like :func:`_chain` but skipping right siblings: the hash of the older tree."""
    for level, sibling in enumerate(inner):
        if (index >> level) & 1:
            seed = node_hash(sibling, seed)
    for sibling in border:
        seed = node_hash(sibling, seed)
    return seed


def _check_hash_sizes(proof: Sequence[bytes]) -> str | None:
    for position, value in enumerate(proof):
        if len(value) != HASH_SIZE:
            return f"proof hash {position} is {len(value)} bytes, not {HASH_SIZE}"
    return None


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``.

    Raises :class:`InclusionError` naming the reason otherwise.
    """
    if not 0 <= index < size:
        raise InclusionError(f"leaf index {index} is not inside a tree of size {size}")
    if len(leaf_hash) != HASH_SIZE:
        raise InclusionError(f"leaf hash is {len(leaf_hash)} bytes, not {HASH_SIZE}")
    problem = _check_hash_sizes(proof)
    if problem:
        raise InclusionError(problem)
    inner, border = _inner_and_border(index, size)
    if len(proof) != inner + border:
        raise InclusionError(
            f"inclusion proof for leaf {index} of {size} needs {inner + border} hashes, "
            f"got {len(proof)}"
        )
    computed = _chain(leaf_hash, proof[:inner], index, proof[inner:])
    if computed != root:
        raise InclusionError(
            f"inclusion proof for leaf {index} of {size} leads to root {computed.hex()}, "
            f"not {root.hex()}"
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree ``(size1, root1)`` is a prefix of the tree ``(size2, root2)``.

    Raises :class:`ConsistencyError` carrying both tree heads and the proof.
    Equal sizes need an empty proof and equal roots.  A proof from the empty
    tree is refused, as transparency-dev/merkle does: callers with nothing
    verified yet have nothing to check consistency against.
    """
    evidence = tuple(proof)

    def fail(reason: str) -> ConsistencyError:
        return ConsistencyError(
            f"trees {size1} and {size2} are not consistent: {reason}",
            size1=size1,
            root1=root1,
            size2=size2,
            root2=root2,
            proof=evidence,
        )

    if size1 < 0 or size2 < size1:
        raise fail("need 0 <= size1 <= size2")
    if size1 == 0:
        raise fail("a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if evidence:
            raise fail(f"equal sizes need an empty proof, got {len(evidence)} hashes")
        if root1 != root2:
            raise fail("equal sizes but different roots")
        return
    if not evidence:
        raise fail("empty proof")
    problem = _check_hash_sizes(evidence)
    if problem:
        raise fail(problem)

    # The proof is the inclusion path of leaf size1 - 1 in the new tree, minus
    # its bottom `shift` levels, which lie inside a perfect subtree of the old tree.
    inner, border = _inner_and_border(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    if size1 == 1 << shift:
        seed, rest = root1, evidence
    else:
        seed, rest = evidence[0], evidence[1:]
    if len(rest) != inner + border:
        expected = inner + border + len(evidence) - len(rest)
        raise fail(f"proof needs {expected} hashes, got {len(evidence)}")
    mask = (size1 - 1) >> shift
    computed1 = _chain_left_only(seed, rest[:inner], mask, rest[inner:])
    if computed1 != root1:
        raise fail(f"proof leads to old root {computed1.hex()}, not {root1.hex()}")
    computed2 = _chain(seed, rest[:inner], mask, rest[inner:])
    if computed2 != root2:
        raise fail(f"proof leads to new root {computed2.hex()}, not {root2.hex()}")
