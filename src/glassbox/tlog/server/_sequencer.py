"""Sequencing: consecutive indices for new entries, durably, batching concurrent callers."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from sqlalchemy import Connection, Engine, insert, update
from sqlalchemy.exc import SQLAlchemyError

from glassbox.errors import EntryTooLarge, GlassboxError, Overloaded, StorageError
from glassbox.store import log_entries, log_sequence
from glassbox.tlog import MAX_ENTRY_SIZE

_log = logging.getLogger(__name__)

# Runs inside the append transaction with the first index assigned to the caller's
# entries, so records that must exist exactly when the entries do commit with them.
Attach = Callable[[Connection, int], None]
_Item = tuple[Sequence[bytes], Attach | None, Future[list[int]]]


def check_entries(entries: Sequence[bytes]) -> None:
    """Refuse entries the tile format cannot carry, before anything is written."""
    for n, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise EntryTooLarge(
                f"entry {n} is {len(entry)} bytes; log entries are at most {MAX_ENTRY_SIZE} bytes"
            )


def write_entries(
    engine: Engine,
    entries: Sequence[bytes],
    attach: Sequence[tuple[int, Attach]] = (),
) -> int:
    """Store `entries` at consecutive indices in one transaction; return the first index.

    The counter row's lock orders concurrent writers (and replicas), so committed
    ranges always form a gap-free prefix of the log. Each `(offset, fn)` in `attach`
    is called in the same transaction with the index of entry `offset`.
    """
    check_entries(entries)
    n = len(entries)
    if n == 0:
        raise ValueError("nothing to append")
    try:
        with engine.begin() as conn:
            end = conn.execute(
                update(log_sequence)
                .where(log_sequence.c.id == 1)
                .values(next_idx=log_sequence.c.next_idx + n)
                .returning(log_sequence.c.next_idx)
            ).scalar_one()
            start = int(end) - n
            conn.execute(
                insert(log_entries),
                [{"idx": start + i, "data": bytes(e)} for i, e in enumerate(entries)],
            )
            for offset, fn in attach:
                fn(conn, start + offset)
    except SQLAlchemyError as exc:
        raise StorageError(f"could not store log entries ({exc.__class__.__name__})") from exc
    return start


class Sequencer:
    """Batches appends from many threads into few transactions.

    `append` returns only once the entries are committed: that is when a
    receipt naming their indices may be sent.
    """

    def __init__(self, engine: Engine, *, batch_max: int = 4096, queue_max: int = 200_000) -> None:
        self._engine = engine
        self._batch_max = batch_max
        self._queue_max = queue_max
        self._pending: deque[_Item] = deque()
        self._queued = 0
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="glassbox-sequencer", daemon=True)
        self._thread.start()

    def submit(self, entries: Sequence[bytes], attach: Attach | None = None) -> Future[list[int]]:
        """Queue entries; the future resolves to their indices once they are committed."""
        check_entries(entries)
        fut: Future[list[int]] = Future()
        if not entries:
            fut.set_result([])
            return fut
        with self._cond:
            if self._closed:
                raise Overloaded("the log is shutting down")
            if self._queued + len(entries) > self._queue_max:
                raise Overloaded("too many log appends are waiting; retry shortly")
            self._pending.append((entries, attach, fut))
            self._queued += len(entries)
            self._cond.notify()
        return fut

    def append(self, entries: Sequence[bytes]) -> list[int]:
        """Append entries (in order) and return their indices once durable."""
        return self.submit(entries).result()

    async def append_async(
        self, entries: Sequence[bytes], attach: Attach | None = None
    ) -> list[int]:
        return await asyncio.wrap_future(self.submit(entries, attach))

    def close(self) -> None:
        """Finish what is queued, then stop the writer thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()

    def _take_batch(self) -> list[_Item] | None:
        with self._cond:
            while not self._pending and not self._closed:
                self._cond.wait()
            if not self._pending:
                return None
            batch: list[_Item] = []
            count = 0
            while self._pending and (
                not batch or count + len(self._pending[0][0]) <= self._batch_max
            ):
                item = self._pending.popleft()
                batch.append(item)
                count += len(item[0])
            self._queued -= count
            return batch

    def _run(self) -> None:
        while (batch := self._take_batch()) is not None:
            flat = [e for entries, _, _ in batch for e in entries]
            attach, offset = [], 0
            for entries, fn, _ in batch:
                if fn is not None:
                    attach.append((offset, fn))
                offset += len(entries)
            try:
                start = write_entries(self._engine, flat, attach)
            except GlassboxError as exc:
                for _, _, fut in batch:
                    fut.set_exception(exc)
                continue
            except Exception as exc:  # never let the writer thread die
                _log.exception("log append failed")
                err = StorageError(f"could not store log entries ({exc.__class__.__name__})")
                for _, _, fut in batch:
                    fut.set_exception(err)
                continue
            for entries, _, fut in batch:
                fut.set_result(list(range(start, start + len(entries))))
                start += len(entries)
