"""Integration: signed checkpoints that only grow, tiles, proofs, and refusal to sign bad state."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import update

from glassbox.errors import TamperError
from glassbox.node import Node
from glassbox.store import log_tiles, log_tree
from glassbox.tlog import (
    Checkpoint,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from glassbox.tlog.server import Integrator, write_entries


def _open(node: Node, note: str) -> Checkpoint:
    return open_checkpoint(note, node.signer.verifier())


def test_every_entry_is_included_under_every_later_checkpoint(node: Node) -> None:
    checkpoints = []
    entries: list[bytes] = []
    for batch in (1, 2, 255, 1, 300, 7):
        new = [f"entry {len(entries) + i}".encode() for i in range(batch)]
        write_entries(node.engine, new)
        entries += new
        checkpoints.append(_open(node, node.integrator.integrate_all() or ""))
    assert [c.size for c in checkpoints] == [1, 3, 258, 259, 559, 566]
    for cp in checkpoints:
        for i in range(0, cp.size, 37):
            size, proof = node.reader.inclusion_proof(i, cp.size)
            verify_inclusion(leaf_hash(entries[i]), i, size, proof, cp.root)
    for a in checkpoints:
        for b in checkpoints:
            if a.size <= b.size:
                _, proof = node.reader.consistency_proof(a.size, b.size)
                verify_consistency(a.size, b.size, proof, a.root, b.root)


def test_nothing_new_signs_nothing(node: Node) -> None:
    assert node.integrator.integrate() is None
    write_entries(node.engine, [b"a"])
    assert node.integrator.integrate() is not None
    assert node.integrator.integrate() is None


def test_background_integration_publishes_within_a_second(node: Node) -> None:
    node.start_background()
    (idx,) = node.sequencer.append([b"soon"])
    deadline = time.monotonic() + 1.5
    while node.reader.size() <= idx and time.monotonic() < deadline:
        time.sleep(0.02)
    assert node.reader.size() > idx


def test_refuses_to_sign_when_stored_state_disagrees_with_last_checkpoint(node: Node) -> None:
    write_entries(node.engine, [b"a", b"b", b"c"])
    node.integrator.integrate_all()
    with node.engine.begin() as conn:
        conn.execute(update(log_tree).values(compact=b"\x00" * 64))
    write_entries(node.engine, [b"d"])
    with pytest.raises(TamperError, match="refusing to sign"):
        node.integrator.integrate()
    assert _open(node, node.reader.checkpoint()).size == 3


def test_refuses_to_sign_over_damaged_right_edge_tiles(node: Node) -> None:
    """The tiles the next tree head builds on are checked by a consistency proof."""
    write_entries(node.engine, [b"%d" % i for i in range(300)])
    node.integrator.integrate_all()
    with node.engine.begin() as conn:
        conn.execute(
            update(log_tiles)
            .where(log_tiles.c.level == 0, log_tiles.c.idx == 1)
            .values(hashes=b"\x11" * 32 * 44)
        )
    write_entries(node.engine, [b"more"])
    with pytest.raises(TamperError):
        node.integrator.integrate()
    assert _open(node, node.reader.checkpoint()).size == 300


def test_racing_integrators_produce_one_consistent_log(node: Node) -> None:
    """Several integrators (as on several replicas) never fork the log."""
    others = [Integrator(node.engine, node.signer) for _ in range(3)]
    notes: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def integrate(integ: Integrator) -> None:
        while not stop.is_set():
            note = integ.integrate()
            if note:
                with lock:
                    notes.append(note)

    with ThreadPoolExecutor(4) as pool:
        for integ in [node.integrator, *others]:
            pool.submit(integrate, integ)
        for i in range(60):
            node.sequencer.append([b"race %d" % i])
        time.sleep(0.3)
        stop.set()
    node.integrator.integrate_all()
    seen = {}
    for note in [*notes, node.reader.checkpoint()]:
        cp = _open(node, note)
        assert seen.setdefault(cp.size, cp.root) == cp.root
    sizes = sorted(seen)
    for a, b in itertools.pairwise(sizes):
        _, proof = node.reader.consistency_proof(a, b)
        verify_consistency(a, b, proof, seen[a], seen[b])
    assert sizes[-1] == 60
