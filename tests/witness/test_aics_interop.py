"""A second, independent implementation (the `aics-tlog` package) checks ours, and we check it.

aics-tlog verifies: our signed checkpoints, our witnesses' cosignatures with a
quorum, our inclusion and consistency proofs, and every tile and entry bundle we
serve.  Set GLASSBOX_REQUIRE_AICS=1 to fail, not skip, when it is not installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from glassbox.core import Glassbox
from glassbox.tlog import (
    TILE_WIDTH,
    Checkpoint,
    CosignatureVerifier,
    Cosigner,
    Signer,
    cosign_checkpoint,
    leaf_hash,
    open_cosigned_checkpoint,
    parse_note,
    verify_consistency,
    verify_cosignature,
    verify_inclusion,
)
from glassbox.witness import AddCheckpoint, Witness

from ._support import LOG_SIGNER, LOG_VKEY, grow, init_log, make_witness, open_node

if os.environ.get("GLASSBOX_REQUIRE_AICS"):
    import aics_tlog as aics
else:
    aics = pytest.importorskip("aics_tlog", reason="aics-tlog is not installed")

SIZES = (1, 255, 256, 257, 600)


class Tiles:
    """aics-tlog's TileReader over our log reader (width None: a full tile)."""

    def __init__(self, node: Glassbox) -> None:
        self._reader = node.log.reader

    def read_tile(self, level: int, index: int, width: int | None) -> bytes | None:
        return self._reader.tile(level, index, width or TILE_WIDTH)

    def read_entry_bundle(self, index: int, width: int | None) -> bytes | None:
        return self._reader.entry_bundle(index, width or TILE_WIDTH)


@dataclass
class Log:
    node: Glassbox
    notes: list[str]  # the checkpoints at SIZES, each with both witnesses' cosignatures
    w1: Witness
    w2: Witness


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Log]:
    """A log of 600 entries with checkpoints at SIZES, each cosigned by two witnesses."""
    tmp = tmp_path_factory.mktemp("aics")
    w1 = make_witness(tmp / "w1", "example.test/witness/w1")
    w2 = make_witness(tmp / "w2", "example.test/witness/w2")
    with open_node(init_log(tmp / "log")) as node:
        notes = []
        old = 0
        for size in SIZES:
            grow(node, size - node.log.reader.size())
            note = node.log.reader.checkpoint()
            proof = tuple(node.log.reader.consistency_proof(old, size)[1]) if old else ()
            request = AddCheckpoint(old, proof, note).to_body()
            notes.append(note + w1.add_checkpoint(request) + w2.add_checkpoint(request))
            old = size
        yield Log(node, notes, w1, w2)


def _entry(i: int) -> bytes:
    return f"entry {i}".encode()


def test_aics_verifies_our_checkpoints_and_cosignatures(log: Log) -> None:
    notes, w1, w2 = log.notes, log.w1, log.w2
    log_key = aics.parse_vkey(LOG_VKEY)
    w1_key = aics.parse_vkey(w1.cosigner.verifier_key())
    assert w1_key.key_type == 0x04
    w2_key = aics.parse_vkey(w2.cosigner.verifier_key())
    for note, size in zip(notes, SIZES, strict=True):
        parsed = aics.parse_note(note)
        result = aics.verify_checkpoint(parsed, log_key, [w1_key, w2_key], quorum=2)
        assert result.ok, result.error
        assert (result.size, result.witnesses) == (size, [w1_key.name, w2_key.name])
        stranger = aics.cosignature_vkey("example.test/witness/w3", b"\x11" * 32)
        refused = aics.verify_checkpoint(parsed, log_key, [w1_key, stranger], quorum=2)
        assert not refused.ok and "quorum not met" in (refused.error or "")


def test_aics_refuses_a_cosignature_on_another_checkpoint(log: Log) -> None:
    notes, w1 = log.notes, log.w1
    lines = notes[-1].split("\n")
    swapped = "\n".join([*lines[:-3], notes[0].split("\n")[-3], *lines[-2:]])  # w1's old line
    result = aics.verify_checkpoint(
        aics.parse_note(swapped),
        aics.parse_vkey(LOG_VKEY),
        [aics.parse_vkey(w1.cosigner.verifier_key())],
        quorum=1,
    )
    assert not result.ok and "failed verification" in (result.error or "")


def test_aics_verifies_our_inclusion_and_consistency_proofs(log: Log) -> None:
    node, notes = log.node, log.notes
    checkpoints = [Checkpoint.parse(parse_note(n).text) for n in notes]
    for cp in checkpoints:
        for index in sorted({0, cp.size // 2, cp.size - 1}):
            _, proof = node.log.reader.inclusion_proof(index, cp.size)
            assert aics.verify_leaf_inclusion(_entry(index), index, cp.size, proof, cp.root)
            assert not aics.verify_leaf_inclusion(_entry(index + 1), index, cp.size, proof, cp.root)
        for older in checkpoints:
            if older.size <= cp.size:
                _, proof = node.log.reader.consistency_proof(older.size, cp.size)
                assert aics.verify_consistency(older.size, cp.size, older.root, cp.root, proof)


def test_aics_audits_every_tile_and_bundle_we_serve(log: Log) -> None:
    node, notes = log.node, log.notes
    cp = Checkpoint.parse(parse_note(notes[-1]).text)
    tiles = Tiles(node)
    report = aics.audit_tiles(tiles, cp.size, cp.root, entries=True)  # raises on any damage
    assert (report.size, report.tiles, report.bundles) == (600, 4, 3)
    assert aics.tree_root_from_tiles(tiles, cp.size) == cp.root
    for index in (0, 300, 599):
        assert (
            aics.inclusion_proof_from_tiles(tiles, index, cp.size)
            == (node.log.reader.inclusion_proof(index, cp.size)[1])
        )
    assert (
        aics.consistency_proof_from_tiles(tiles, 257, cp.size)
        == (node.log.reader.consistency_proof(257, cp.size)[1])
    )


def test_we_verify_what_aics_builds_and_cosigns() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    entries = [_entry(i) for i in range(77)]
    tree = aics.MerkleTree(entries)
    for index in (0, 40, 76):
        proof = tree.inclusion_proof(index)
        verify_inclusion(leaf_hash(entries[index]), index, 77, proof, tree.root())
    verify_consistency(33, 77, tree.consistency_proof(33, 77), tree.root(33), tree.root())

    key = Ed25519PrivateKey.from_private_bytes(b"k" * 32)
    name = "example.test/witness/aics"
    cp = Checkpoint(LOG_SIGNER.name, 77, tree.root(), ("ext line",))
    blob, line = aics.sign_cosignature(
        key, name, 1_760_000_000, cp.origin, 77, cp.root, ["ext line"]
    )
    verifier = CosignatureVerifier.from_key_string(
        aics.format_vkey(aics.cosignature_vkey(name, key.public_key()))
    )
    theirs = f"— {name} {aics.note.b64_encode(line.key_id + blob)}"
    assert verify_cosignature(cp, theirs, verifier) == 1_760_000_000
    # ...and the same key and time cosign byte for byte as we do.
    ours = cosign_checkpoint(cp, Cosigner(Signer(name, b"k" * 32)), 1_760_000_000)
    assert ours == theirs
    note = aics.sign_checkpoint(
        aics.Checkpoint(cp.origin, 77, cp.root, ("ext line",)),
        Ed25519PrivateKey.from_private_bytes(b"L" * 32),
        cp.origin,
    )
    text: str = note.serialise()
    log_key = Signer(cp.origin, b"L" * 32).verifier()
    opened = open_cosigned_checkpoint(text + theirs + "\n", log_key, [verifier], quorum=1)
    assert opened.checkpoint == cp


def test_key_strings_agree(tmp_path: Path) -> None:
    witness = make_witness(tmp_path, "example.test/witness/w9")
    vkey = witness.cosigner.verifier_key()
    assert aics.format_vkey(aics.parse_vkey(vkey)) == vkey
    assert aics.format_vkey(aics.parse_vkey(LOG_VKEY)) == LOG_VKEY
