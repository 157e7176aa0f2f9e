"""Sequencing: consecutive indices for new entries, durably, batching concurrent callers."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures._base import FINISHED, RUNNING

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from glassbox.errors import EntryTooLarge, GlassboxError, Overloaded, StorageError
from glassbox.tlog import MAX_ENTRY_SIZE
from glassbox.tlog.server._sql import placeholder

_log = logging.getLogger(__name__)

# Runs inside the append transaction with the first index assigned to the caller's
# entries, so records that must exist exactly when the entries do commit with them.
Attach = Callable[[Connection, int], None]


def check_entries(entries: Sequence[bytes]) -> None:
    """Refuse entries the tile format cannot carry, before anything is written."""
    for n, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise EntryTooLarge(
                f"entry {n} is {len(entry)} bytes; log entries are at most {MAX_ENTRY_SIZE} bytes"
            )


_ROWS_PER_INSERT = 256  # 512 parameters: within every SQLite's and PostgreSQL's limit


@functools.lru_cache(maxsize=2 * _ROWS_PER_INSERT)
def _insert_sql(mark: str, rows: int) -> str:
    values = ", ".join([f"({mark}, {mark})"] * rows)
    return f"INSERT INTO log_entries (idx, data) VALUES {values}"


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
    mark = placeholder(engine)
    bump = f"UPDATE log_sequence SET next_idx = next_idx + {mark} WHERE id = 1 RETURNING next_idx"
    try:
        with engine.begin() as conn:
            start = int(conn.exec_driver_sql(bump, (n,)).scalar_one()) - n
            # Rows go to the driver as flat tuples, up to 256 rows per statement:
            # SQLAlchemy Core would build a dict per row, and a statement per row
            # costs a round trip through the driver (and, on SQLite, the GIL) each.
            for k in range(0, n, _ROWS_PER_INSERT):
                chunk = [bytes(e) for e in entries[k : k + _ROWS_PER_INSERT]]
                params: list[int | bytes] = [0] * (2 * len(chunk))
                params[0::2] = range(start + k, start + k + len(chunk))
                params[1::2] = chunk
                conn.exec_driver_sql(_insert_sql(mark, len(chunk)), tuple(params))
            for offset, fn in attach:
                fn(conn, start + offset)
    except SQLAlchemyError as exc:
        raise StorageError(f"could not store log entries ({exc.__class__.__name__})") from exc
    return start


class _Receipt(Future[list[int]]):
    """The future of one `submit`: the indices once committed, or the error.

    Every receipt of a sequencer shares one condition, so a whole batch is settled
    under one lock with one wake-up, instead of a lock, a condition and a wake-up
    per caller. It is born running: an append that is queued will be attempted,
    so it cannot be cancelled (a cancelled caller simply stops waiting).
    """

    def __init__(self, condition: threading.Condition) -> None:  # no super(): shared condition
        self._condition = condition
        self._state = RUNNING
        self._result = None
        self._exception = None
        self._waiters = []
        self._done_callbacks: list[Callable[[Future[list[int]]], object]] = []

    def _wait(self, timeout: float | None) -> None:
        # Called with the condition held. Wake-ups for other receipts are expected.
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._state != FINISHED:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise FutureTimeout()
            self._condition.wait(remaining)

    def result(self, timeout: float | None = None) -> list[int]:
        with self._condition:
            if self._state != FINISHED:
                self._wait(timeout)
        if self._exception is not None:
            raise self._exception
        assert self._result is not None
        return self._result

    def exception(self, timeout: float | None = None) -> BaseException | None:
        with self._condition:
            if self._state != FINISHED:
                self._wait(timeout)
        return self._exception


def _settle(
    condition: threading.Condition,
    receipts: Sequence[_Receipt],
    results: Sequence[list[int]] | None,
    error: BaseException | None = None,
) -> None:
    """Finish a batch of receipts: with `results` in order, or all with `error`."""
    with condition:
        for n, receipt in enumerate(receipts):
            if results is None:
                receipt._exception = error
            else:
                receipt._result = results[n]
            receipt._state = FINISHED
            for waiter in receipt._waiters:  # concurrent.futures.wait / as_completed
                if results is None:
                    waiter.add_exception(receipt)
                else:
                    waiter.add_result(receipt)
        condition.notify_all()
    for receipt in receipts:
        for callback in receipt._done_callbacks:  # e.g. asyncio.wrap_future
            try:
                callback(receipt)
            except Exception:
                _log.exception("a log append callback failed")


_Item = tuple[Sequence[bytes], Attach | None, _Receipt]


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
        self._receipts = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="glassbox-sequencer", daemon=True)
        self._thread.start()

    def submit(self, entries: Sequence[bytes], attach: Attach | None = None) -> Future[list[int]]:
        """Queue entries; the future resolves to their indices once they are committed."""
        check_entries(entries)
        receipt = _Receipt(self._receipts)
        if not entries:
            _settle(self._receipts, [receipt], [[]])
            return receipt
        with self._cond:
            if self._closed:
                raise Overloaded("the log is shutting down")
            if self._queued + len(entries) > self._queue_max:
                raise Overloaded("too many log appends are waiting; retry shortly")
            self._pending.append((entries, attach, receipt))
            self._queued += len(entries)
            self._cond.notify()
        return receipt

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
            if self._queued <= self._batch_max:  # the common case: take everything
                batch = list(self._pending)
                self._pending.clear()
                self._queued = 0
                return batch
            batch = []
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
            receipts = [receipt for _, _, receipt in batch]
            try:
                self._write(batch, receipts)
            except Exception:  # never let the writer thread die, nor leave a caller waiting
                _log.exception("settling log appends failed")
                unsettled = [r for r in receipts if not r.done()]
                err = StorageError("could not store log entries (internal error)")
                _settle(self._receipts, unsettled, None, err)

    def _write(self, batch: list[_Item], receipts: list[_Receipt]) -> None:
        flat: list[bytes] = []
        attach: list[tuple[int, Attach]] = []
        for entries, fn, _ in batch:
            if fn is not None:
                attach.append((len(flat), fn))
            flat.extend(entries)
        try:
            start = write_entries(self._engine, flat, attach)
        except GlassboxError as exc:
            _settle(self._receipts, receipts, None, exc)
            return
        except Exception as exc:
            _log.exception("log append failed")
            err = StorageError(f"could not store log entries ({exc.__class__.__name__})")
            _settle(self._receipts, receipts, None, err)
            return
        results = []
        for entries, _, _ in batch:
            end = start + len(entries)
            results.append(list(range(start, end)))
            start = end
        _settle(self._receipts, receipts, results)
