"""Integration: signed checkpoints that only grow, tiles, proofs, and refusal to sign bad state."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import update

from glassbox.core import Glassbox
from glassbox.errors import TamperError
from glassbox.store import is_postgres, log_tiles, log_tree
from glassbox.tlog import (
    Checkpoint,
    leaf_hash,
    leaf_hashes,
    open_checkpoint,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from glassbox.tlog.server import Integrator


def _open(node: Glassbox, note: str) -> Checkpoint:
    return open_checkpoint(note, node.log.signer.verifier())


def test_every_entry_is_included_under_every_later_checkpoint(node: Glassbox) -> None:
    checkpoints = []
    entries: list[bytes] = []
    for batch in (1, 2, 255, 1, 300, 7):
        new = [f"entry {len(entries) + i}".encode() for i in range(batch)]
        node.log.append(new)
        entries += new
        checkpoints.append(_open(node, node.log.integrator.integrate_all() or ""))
    assert [c.size for c in checkpoints] == [1, 3, 258, 259, 559, 566]
    for cp in checkpoints:
        for i in range(0, cp.size, 37):
            size, proof = node.log.reader.inclusion_proof(i, cp.size)
            verify_inclusion(leaf_hash(entries[i]), i, size, proof, cp.root)
    for a in checkpoints:
        for b in checkpoints:
            if a.size <= b.size:
                _, proof = node.log.reader.consistency_proof(a.size, b.size)
                verify_consistency(a.size, b.size, proof, a.root, b.root)


def test_nothing_new_signs_nothing(node: Glassbox) -> None:
    assert node.log.integrator.integrate() is None
    node.log.append([b"a"])
    assert node.log.integrator.integrate() is not None
    assert node.log.integrator.integrate() is None


def test_background_integration_publishes_within_a_second(node: Glassbox) -> None:
    node.log.start_background()
    (idx,) = node.log.sequencer.append([b"soon"])
    deadline = time.monotonic() + 1.5
    while node.log.reader.size() <= idx and time.monotonic() < deadline:
        time.sleep(0.02)
    assert node.log.reader.size() > idx


def test_refuses_to_sign_when_stored_state_disagrees_with_last_checkpoint(node: Glassbox) -> None:
    node.log.append([b"a", b"b", b"c"])
    node.log.integrator.integrate_all()
    with node.engine.begin() as conn:
        conn.execute(update(log_tree).values(compact=b"\x00" * 64))
    node.log.append([b"d"])
    with pytest.raises(TamperError, match="refusing to sign"):
        node.log.integrator.integrate()
    assert _open(node, node.log.reader.checkpoint()).size == 3


def test_refuses_to_sign_over_damaged_right_edge_tiles(node: Glassbox) -> None:
    """The tiles the next tree head builds on are checked by a consistency proof."""
    node.log.append([b"%d" % i for i in range(300)])
    node.log.integrator.integrate_all()
    with node.engine.begin() as conn:
        conn.execute(
            update(log_tiles)
            .where(log_tiles.c.level == 0, log_tiles.c.idx == 1)
            .values(hashes=b"\x11" * 32 * 44)
        )
    node.log.append([b"more"])
    with pytest.raises(TamperError):
        node.log.integrator.integrate()
    assert _open(node, node.log.reader.checkpoint()).size == 300


def test_racing_integrators_produce_one_consistent_log(node: Glassbox) -> None:
    """Several integrators (as on several replicas) never fork the log."""
    others = [Integrator(node.engine, node.log.signer) for _ in range(3)]
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
        for integ in [node.log.integrator, *others]:
            pool.submit(integrate, integ)
        for i in range(60):
            node.log.sequencer.append([b"race %d" % i])
        time.sleep(0.3)
        stop.set()
    node.log.integrator.integrate_all()
    seen = {}
    for note in [*notes, node.log.reader.checkpoint()]:
        cp = _open(node, note)
        assert seen.setdefault(cp.size, cp.root) == cp.root
    sizes = sorted(seen)
    for a, b in itertools.pairwise(sizes):
        _, proof = node.log.reader.consistency_proof(a, b)
        verify_consistency(a, b, proof, seen[a], seen[b])
    assert sizes[-1] == 60


def test_a_round_planned_before_another_integrator_moved_the_tree_is_planned_again(
    node: Glassbox,
) -> None:
    """Entries are hashed before the write lock is taken; a round that lost the race is redone.

    On PostgreSQL the advisory lock is held while planning, so the other integrator
    stands aside instead.
    """
    other = Integrator(node.engine, node.log.signer)
    node.log.append([b"first %d" % i for i in range(300)])
    real_plan = node.log.integrator._plan
    plans: list[int | None] = []
    others: list[str | None] = []

    def plan_then_race(conn):  # type: ignore[no-untyped-def]
        planned = real_plan(conn)
        plans.append(planned.new.size if planned else None)
        if len(plans) == 1:  # another integrator tries to get in between plan and store
            others.append(other.integrate())
            node.log.append([b"second %d" % i for i in range(5)])
        return planned

    node.log.integrator._plan = plan_then_race  # type: ignore[method-assign]
    note = node.log.integrator.integrate()
    assert note is not None
    if is_postgres(node.engine):
        assert others == [None] and plans == [300]
    else:  # the other signed 300 first; this round's plan for 300 was dropped
        assert others[0] is not None and _open(node, others[0]).size == 300
        assert plans == [300, 305]
    assert _open(node, note).size == plans[-1]
    node.log.integrator.integrate_all()
    cps = [_open(node, node.log.reader.checkpoint_at(n)) for n in (300, 305)]
    _, proof = node.log.reader.consistency_proof(300, 305)
    verify_consistency(300, 305, proof, cps[0].root, cps[1].root)


def test_only_the_gap_free_prefix_is_integrated(node: Glassbox) -> None:
    """A range that committed ahead of an earlier one waits for it."""
    from glassbox.store import log_entries, log_sequence

    with node.engine.begin() as conn:
        conn.execute(log_entries.insert(), [{"idx": i, "data": b"%d" % i} for i in (0, 1, 3)])
        conn.execute(update(log_sequence).values(next_idx=4))
    assert _open(node, node.log.integrator.integrate_all() or "").size == 2
    with node.engine.begin() as conn:
        conn.execute(log_entries.insert().values(idx=2, data=b"2"))
    assert _open(node, node.log.integrator.integrate_all() or "").size == 4


def _stored_root(node: Glassbox, size: int) -> bytes:
    """The root of the first `size` stored entries, hashed here from the database."""
    from sqlalchemy import select

    from glassbox.store import log_entries

    with node.engine.connect() as conn:
        rows = conn.execute(
            select(log_entries.c.data).where(log_entries.c.idx < size).order_by(log_entries.c.idx)
        ).all()
    return tree_root(leaf_hashes([bytes(r.data) for r in rows]))


@pytest.mark.parametrize("handoff_bytes", [64 << 20, 50])
def test_rounds_mixing_handed_over_and_stored_entries_sign_the_stored_tree(
    node: Glassbox, monkeypatch: pytest.MonkeyPatch, handoff_bytes: int
) -> None:
    """The sequencer hands its committed entries to the integrator; a replica's are read back.

    With a hand-off too small to hold a batch (50 bytes), the oldest are dropped
    and read from the database instead. Either way, every checkpoint is the tree
    of exactly what is stored, in index order.
    """
    import glassbox.tlog.server._integrator as integ

    monkeypatch.setattr(integ, "_HANDOFF_BYTES", handoff_bytes)
    monkeypatch.setattr(node.log.integrator, "_max_entries", 40)  # rounds end inside batches
    for round_ in range(6):
        node.log.sequencer.append([b"ours %d.%d" % (round_, i) for i in range(round_ * 7 + 1)])
        if round_:
            node.log.append([b"replica %d" % round_] * round_)  # not handed over
        node.log.sequencer.append([b"ours again %d" % round_])
        if round_ % 2:
            note = node.log.integrator.integrate()  # one capped round: the rest waits
            assert note is not None
            cp = _open(node, note)
            assert cp.root == _stored_root(node, cp.size)
    cp = _open(node, node.log.integrator.integrate_all() or "")
    assert cp.size == node.log.reader.size() == sum(r * 7 + 2 + r for r in range(6))
    assert cp.root == _stored_root(node, cp.size)
    assert not node.log.integrator._handed  # nothing integrated stays held


def test_a_burst_of_appends_is_signed_when_it_ends_not_at_the_next_interval(node: Glassbox) -> None:
    """With a 30 s interval, a burst of 5,000 appends gets its checkpoint within seconds,
    while a few appends wait for the interval (so a trickle does not sign a checkpoint each)."""
    node.log.integrator.start(30)
    node.log.sequencer.append([b"a few %d" % i for i in range(10)])
    time.sleep(0.5)  # ten times the quiet that ends a burst
    assert node.log.reader.size() == 0
    futures = [node.log.sequencer.submit([b"burst %d" % i]) for i in range(5000)]
    last = max(f.result(10)[0] for f in futures)
    deadline = time.monotonic() + 10
    while node.log.reader.size() <= last and time.monotonic() < deadline:
        time.sleep(0.02)
    assert node.log.reader.size() == last + 1 == 5010
