"""Appending: consecutive durable indices, batching of concurrent callers, clear refusals."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import pytest
from sqlalchemy import select

from glassbox.core import Glassbox
from glassbox.errors import EntryTooLarge, Overloaded
from glassbox.store import log_entries
from glassbox.tlog import MAX_ENTRY_SIZE
from glassbox.tlog.server import Sequencer


def _stored(node: Glassbox) -> dict[int, bytes]:
    with node.engine.connect() as conn:
        return {i: bytes(d) for i, d in conn.execute(select(log_entries.c.idx, log_entries.c.data))}


def test_concurrent_appends_get_distinct_consecutive_indices(node: Glassbox) -> None:
    def worker(w: int) -> list[tuple[int, bytes]]:
        out = []
        for i in range(40):
            data = f"writer {w} entry {i}".encode()
            (idx,) = node.log.sequencer.append([data])
            out.append((idx, data))
        return out

    with ThreadPoolExecutor(8) as pool:
        results = [pair for part in pool.map(worker, range(8)) for pair in part]
    indices = sorted(i for i, _ in results)
    assert indices == list(range(320))
    stored = _stored(node)
    assert stored == dict(results)


@pytest.mark.parametrize("sizes", [[1, 2, 3], [2047, 1, 2049], [4096, 5000], [1025, 3, 700]])
def test_batches_of_any_size_are_stored_whole_and_in_order(
    node: Glassbox, sizes: list[int]
) -> None:
    """Rows go in statements of up to 2,048, the last padded with rows that are skipped."""
    expected: dict[int, bytes] = {}
    for n, size in enumerate(sizes):
        entries = [b"%d/%d" % (n, i) for i in range(size)]
        first = node.log.append(entries)
        assert first == len(expected)
        expected.update(enumerate(entries, first))
    assert _stored(node) == expected


def test_multi_entry_append_keeps_order(node: Glassbox) -> None:
    entries = [bytes([i]) * (i + 1) for i in range(10)]
    indices = node.log.sequencer.append(entries)
    assert indices == list(range(indices[0], indices[0] + 10))
    stored = _stored(node)
    assert [stored[i] for i in indices] == entries


def test_oversized_entry_is_refused_and_nothing_is_written(node: Glassbox) -> None:
    with pytest.raises(EntryTooLarge, match="65535"):
        node.log.sequencer.append([b"ok", b"x" * (MAX_ENTRY_SIZE + 1)])
    with pytest.raises(EntryTooLarge):
        node.log.append([b"y" * (MAX_ENTRY_SIZE + 1)])
    assert _stored(node) == {}
    assert node.log.sequencer.append([b"z" * MAX_ENTRY_SIZE]) == [0]


def test_overload_is_refused_not_queued_without_bound(node: Glassbox) -> None:
    gate = threading.Event()
    seq = Sequencer(node.engine, batch_max=2, queue_max=2)  # two appends may wait
    original = seq._take_batch

    def slow_take():  # type: ignore[no-untyped-def]
        gate.wait(10)
        return original()

    seq._take_batch = slow_take  # type: ignore[method-assign]
    try:
        assert seq.append([b"first"]) == [0]  # the writer thread then waits at the gate
        futures = [seq.submit([b"a", b"b"]), seq.submit([b"c", b"d"])]
        with pytest.raises(Overloaded, match="retry"):
            seq.submit([b"e"])
        with pytest.raises(FutureTimeout):  # still queued: a caller may stop waiting
            futures[0].result(0.01)
    finally:
        gate.set()
    assert sorted(i for f in futures for i in f.result(10)) == [1, 2, 3, 4]
    seq.close()


def test_close_writes_what_is_queued_then_refuses(node: Glassbox) -> None:
    seq = Sequencer(node.engine)
    futures = [seq.submit([b"%d" % i]) for i in range(100)]
    seq.close()
    assert sorted(f.result(0)[0] for f in futures) == list(range(100))
    with pytest.raises(Overloaded, match="shutting down"):
        seq.submit([b"late"])
    assert len(_stored(node)) == 100


def test_concurrent_appends_are_batched(node: Glassbox) -> None:
    """Many waiting callers share transactions: fewer commits than callers."""
    commits = []
    seq = Sequencer(node.engine, batch_max=4096)
    import glassbox.tlog.server._sequencer as mod

    real = mod._write_rows

    def counting(engine, entries, attach, started=None):  # type: ignore[no-untyped-def]
        commits.append(len(entries))
        return real(engine, entries, attach, started)

    mod._write_rows = counting  # type: ignore[assignment]
    try:
        futures = [seq.submit([b"%d" % i]) for i in range(500)]
        assert sorted(f.result(10)[0] for f in futures) == list(range(500))
    finally:
        mod._write_rows = real
        seq.close()
    assert sum(commits) == 500
    assert len(commits) < 500


def test_attached_records_commit_with_their_entries_or_not_at_all(node: Glassbox) -> None:
    from sqlalchemy import Connection, text

    seen: list[int] = []

    def record(conn: Connection, index: int) -> None:
        conn.execute(text("SELECT 1"))
        seen.append(index)

    assert node.log.sequencer.append(
        [b"a", b"b"],
    ) == [0, 1]
    assert node.log.sequencer.submit([b"c"], record).result(10) == [2]
    assert seen == [2]

    def broken(conn: Connection, index: int) -> None:
        raise RuntimeError("boom")

    from glassbox.errors import StorageError

    with pytest.raises(StorageError):
        node.log.sequencer.submit([b"d"], broken).result(10)
    assert 3 not in _stored(node)
    assert node.log.sequencer.append([b"e"]) == [3]


def test_a_caller_that_stops_waiting_does_not_stop_the_log(node: Glassbox) -> None:
    """A queued append cannot be cancelled: it commits, and later appends still do."""
    import asyncio

    import glassbox.tlog.server._sequencer as mod

    gate = threading.Event()
    seq = Sequencer(node.engine)
    real = mod._write_rows

    def slow_write(engine, entries, attach, started=None):  # type: ignore[no-untyped-def]
        gate.wait(10)
        return real(engine, entries, attach, started)

    mod._write_rows = slow_write  # type: ignore[assignment]

    async def give_up() -> None:
        task = asyncio.ensure_future(seq.append_async([b"abandoned"]))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        waiting = seq.submit([b"waiting"])
        assert not waiting.cancel()
        with pytest.raises(FutureTimeout):
            waiting.result(0.01)
        asyncio.run(give_up())
        gate.set()
        assert waiting.result(10) == [0]
        assert seq.append([b"later"]) == [2]
    finally:
        gate.set()
        mod._write_rows = real
        seq.close()
    assert _stored(node) == {0: b"waiting", 1: b"abandoned", 2: b"later"}


def test_queued_appends_work_with_concurrent_futures_helpers(node: Glassbox) -> None:
    from concurrent.futures import as_completed, wait

    futures = [node.log.sequencer.submit([b"%d" % i]) for i in range(50)]
    _, not_done = wait(futures, timeout=10)
    assert not not_done
    assert sorted(f.result()[0] for f in as_completed(futures, timeout=10)) == list(range(50))
    called: list[list[int]] = []
    futures[0].add_done_callback(lambda f: called.append(f.result()))
    assert called == [futures[0].result()]
    assert futures[0].exception() is None and futures[0].done() and not futures[0].cancelled()


def test_bytes_like_entries_are_copied_when_queued(node: Glassbox) -> None:
    data = bytearray(b"mutable")
    future = node.log.sequencer.submit([data, memoryview(b"view")])
    data[:] = b"changed"  # the caller reuses its buffer before the append commits
    assert future.result(10) == [0, 1]
    assert _stored(node) == {0: b"mutable", 1: b"view"}


def test_an_internal_failure_of_the_writer_thread_strands_no_append(
    node: Glassbox, caplog: pytest.LogCaptureFixture
) -> None:
    """The writer thread survives an unexpected error; what was queued is still written."""
    seq = Sequencer(node.engine)
    real = seq._take
    failures = [RuntimeError("unexpected")]

    def failing_once(limit):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return real(limit)

    seq._take = failing_once  # type: ignore[method-assign]
    try:
        assert seq.submit([b"queued"]).result(10) == [0]
        assert seq.append([b"after"]) == [1]
    finally:
        seq.close()
    assert not failures and "settling log appends failed" in caplog.text
    assert _stored(node) == {0: b"queued", 1: b"after"}


def test_a_failing_companion_fails_its_caller_alone_never_its_batch_mates(
    node: Glassbox,
) -> None:
    """Callers queued into one batch: the one whose companion write fails gets its error,
    its entries are not written, and every other caller's entries and records commit at
    consecutive indices."""
    from sqlalchemy import Connection, text

    import glassbox.tlog.server._sequencer as mod
    from glassbox.errors import Conflict, StorageError

    with node.engine.begin() as conn:
        conn.execute(text("CREATE TABLE companion (idx INTEGER PRIMARY KEY, tag TEXT)"))

    def record(tag: str) -> Callable[[Connection, int], None]:
        def write(conn: Connection, index: int) -> None:
            conn.execute(text("INSERT INTO companion VALUES (:i, :t)"), {"i": index, "t": tag})

        return write

    def conflict(conn: Connection, index: int) -> None:
        record("conflicting")(conn, index)  # written, then rolled back with the attempt
        raise Conflict("this hold was decided meanwhile")

    def broken(conn: Connection, index: int) -> None:
        raise RuntimeError("a bug in a companion")

    gate = threading.Event()
    batches: list[int] = []
    seq = Sequencer(node.engine)
    real = mod._write_rows

    def gated(engine, entries, companions, started=None):  # type: ignore[no-untyped-def]
        gate.wait(10)
        batches.append(len(entries))
        return real(engine, entries, companions, started)

    mod._write_rows = gated  # type: ignore[assignment]
    try:
        first = seq.submit([b"first"])  # the writer takes it and waits at the gate
        while first._batch is None:  # taken into a batch of its own, now at the gate
            time.sleep(0.001)
        plain = seq.submit([b"plain"])
        good = seq.submit([b"good-1", b"good-2"], record("good"))
        bad = seq.submit([b"bad-1", b"bad-2"], conflict)
        worse = seq.submit([b"worse"], broken)
        after = seq.submit([b"after"], record("after"))
        gate.set()
        assert first.result(10) == [0]
        assert plain.result(10) == [1]
        assert good.result(10) == [2, 3]
        with pytest.raises(Conflict, match="decided meanwhile"):
            bad.result(10)
        with pytest.raises(StorageError, match="RuntimeError"):
            worse.result(10)
        assert isinstance(bad.exception(), Conflict)
        assert after.result(10) == [4]
    finally:
        gate.set()
        mod._write_rows = real
        seq.close()
    assert _stored(node) == {0: b"first", 1: b"plain", 2: b"good-1", 3: b"good-2", 4: b"after"}
    with node.engine.connect() as conn:
        rows = conn.execute(text("SELECT idx, tag FROM companion ORDER BY idx")).all()
    assert [tuple(r) for r in rows] == [(2, "good"), (4, "after")]
    assert batches[0] == 1 and batches[1] == 7  # one batch for the five queued callers...
    assert batches[2:] == [5, 4]  # ...written again without each failing one
