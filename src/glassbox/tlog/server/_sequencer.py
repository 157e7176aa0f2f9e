"""Sequencing: consecutive indices for new entries, durably, batching concurrent callers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from glassbox.errors import EntryTooLarge, GlassboxError, Overloaded, StorageError
from glassbox.tlog import MAX_ENTRY_SIZE
from glassbox.tlog.server._sql import placeholder

_log = logging.getLogger(__name__)
# The states `concurrent.futures.Future` keeps in `_state`, which its helpers read.
_RUNNING, _FINISHED = "RUNNING", "FINISHED"

# A companion write: runs inside the append transaction with the first index assigned
# to the caller's entries, so records that must exist exactly when the entries do
# (a request's row, a hold) commit with them or not at all. It runs on the writer
# thread, between other callers' work: it must only execute SQL with values computed
# beforehand (no encryption, no hashing of uploads). If it raises, its caller alone
# gets the error and its entries are not written; the rest of the batch is.
Companion = Callable[[Connection, int], None]


class _CompanionFailed(Exception):
    """A companion write raised; `position` says whose (its place in the batch's list)."""

    def __init__(self, position: int, error: BaseException) -> None:
        super().__init__(position)
        self.position = position
        self.error = error


def check_entries(entries: Sequence[bytes]) -> None:
    """Refuse entries the tile format cannot carry, before anything is written."""
    for n, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise EntryTooLarge(
                f"entry {n} is {len(entry)} bytes; log entries are at most {MAX_ENTRY_SIZE} bytes"
            )


_GATHER_SECONDS = 0.002  # the longest a batch waits for the callers of the last one
# Rows per INSERT statement. A batch is written in statements of this many rows and
# one last, shorter statement padded up to a power of two with rows (_PAD) that it
# skips: so the few statement texts are prepared once and cached, and a batch costs
# few statements (each a trip through the driver, and on SQLite a release and
# re-acquisition of the GIL). 2,048 rows are 4,096 parameters: within PostgreSQL's
# limit and SQLite's since 3.32 (older SQLite allows 999; see _max_rows).
_ROWS_PER_INSERT = 2048


@functools.lru_cache(maxsize=64)
def _insert_sql(mark: str, rows: int) -> str:
    values = ", ".join([f"({mark}, {mark})"] * rows)
    # column1 and column2 are what both SQLite and PostgreSQL call VALUES' columns.
    return (
        f"INSERT INTO log_entries (idx, data) SELECT column1, column2 FROM (VALUES {values}) "
        "AS v WHERE column1 >= 0"
    )


_PAD = (-1, bytearray())  # a row an INSERT skips: indices are never negative


def _max_rows(conn: Connection) -> int:
    """Rows per INSERT this database takes: two parameters each."""
    if conn.dialect.name != "sqlite":
        return _ROWS_PER_INSERT
    dbapi = conn.connection.dbapi_connection
    limit = int(dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))  # type: ignore[union-attr]
    return min(_ROWS_PER_INSERT, 1 << ((limit // 2).bit_length() - 1))


def _write_rows(
    engine: Engine,
    entries: Sequence[bytes],
    companions: Sequence[tuple[int, Companion]],
    started: Callable[[], None] | None = None,
) -> int:
    """Store `entries` at consecutive indices in one transaction; return the first index.

    The entries are already checked and held as `bytes`. The counter row's lock
    orders concurrent writers (and replicas), so committed ranges always form a
    gap-free prefix of the log. Each `(offset, fn)` in `companions` is called in the
    same transaction with the index of entry `offset`; if one raises, nothing is
    written and `_CompanionFailed` names it. `started` is called once the entries
    have their indices, before their rows are sent.
    """
    n = len(entries)
    if n == 0:
        raise ValueError("nothing to append")
    mark = placeholder(engine)
    bump = f"UPDATE log_sequence SET next_idx = next_idx + {mark} WHERE id = 1 RETURNING next_idx"
    try:
        with engine.begin() as conn:
            # Rows go to the driver as flat tuples, many rows per statement, through
            # the driver's own cursor in this transaction: SQLAlchemy Core would build
            # a dict per row, and its per-statement machinery costs more than binding
            # 2,048 rows.
            most = _max_rows(conn)
            cursor = conn.connection.cursor()
            try:
                cursor.execute(bump, (n,))
                row = cursor.fetchone()
                if row is None:
                    raise StorageError("the log's sequence counter is missing")
                start = int(row[0]) - n
                if started is not None:
                    started()
                for k in range(0, n, most):
                    rows = min(most, n - k)
                    size = min(most, 1 << (rows - 1).bit_length())  # padded to a power of two
                    params: list[int | bytearray] = [*_PAD] * size
                    params[0 : 2 * rows : 2] = range(start + k, start + k + rows)
                    # bytearray, not bytes: sqlite3 looks for an adapter for every
                    # bytes parameter but none for a bytearray, which binds the same
                    # BLOB about 300 ns sooner, copy included.
                    params[1 : 2 * rows : 2] = list(map(bytearray, entries[k : k + rows]))
                    cursor.execute(_insert_sql(mark, size), params)
            except conn.dialect.loaded_dbapi.Error as exc:
                raise StorageError(
                    f"could not store log entries ({exc.__class__.__name__})"
                ) from exc
            finally:
                cursor.close()
            for position, (offset, fn) in enumerate(companions):
                try:
                    fn(conn, start + offset)
                except Exception as exc:  # rolled back with the whole transaction
                    raise _CompanionFailed(position, exc) from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"could not store log entries ({exc.__class__.__name__})") from exc
    return start


class _Batch:
    """Appends written in one transaction, and so settled together, in one step.

    Its tickets read their indices from it (the batch's first index plus their
    offset), so settling a batch costs the same for one caller as for thousands.
    Only tickets someone watches through `concurrent.futures` or `append_async`
    are visited one by one. Callers wait on its latch, a lock held until it is
    settled: each waiter takes it and passes it on, so settling wakes only this
    batch's callers, one after the other rather than all at once.
    """

    __slots__ = ("done", "error", "first", "latch", "watched")

    def __init__(self) -> None:
        self.done = False
        self.error: BaseException | None = None
        self.first = 0  # the index of the batch's first entry, once committed
        self.watched: list[_Ticket] = []  # changed only with the tickets' condition held
        self.latch = threading.Lock()
        self.latch.acquire()


# A batch taken: the batch, its tickets and its entries in order, and each companion
# write with the offset of its caller's first entry.
_Taken = tuple[_Batch, list["_Ticket"], list[bytes], list[tuple[int, Companion]]]

_NOTHING = _Batch()  # where tickets of no entries are: done, with no index to wait for
_NOTHING.done = True
_NOTHING.latch.release()


class _Ticket(Future[list[int]]):
    """The future of one `submit`, and the queued append itself: entries and companion.

    Every ticket of a sequencer shares one condition, which its caller waits on
    only until the writer thread takes it into a batch; then it waits on the
    batch (see `_Batch`). It is born running: an append that is queued will be
    attempted, so it cannot be cancelled (a cancelled caller simply stops waiting).

    Tickets are made by the hundred thousand under load, so each is one small
    object: slots; its state, error and indices read from its batch; and the
    lists `concurrent.futures` helpers use made only when one of them is used.
    A ticket whose companion write failed carries its own error (`_error`): its
    entries were left out of its batch, which was written without them.
    """

    __slots__ = ("_batch", "_condition", "_error", "_offset", "companion", "count", "entries")
    _result = None  # what Future's repr shows; the indices come from the batch
    _waiter_list: list[Any] | None = None
    _callbacks: list[Callable[[Future[list[int]]], object]] | None = None
    _awaited: asyncio.Future[list[int]] | None = None  # set by append_async before queueing

    def __init__(  # no super(): the condition is shared
        self,
        condition: threading.Condition,
        entries: Sequence[bytes],
        companion: Companion | None,
    ) -> None:
        self._condition = condition
        self._batch: _Batch | None = None  # set when the writer thread takes it
        self._offset = 0  # where its entries start in its batch
        self._error: BaseException | None = None
        self.entries = entries
        self.companion = companion
        self.count = len(entries)

    @property
    def _state(self) -> str:  # type: ignore[override]
        batch = self._batch
        return _FINISHED if batch is not None and batch.done else _RUNNING

    @property
    def _exception(self) -> BaseException | None:  # type: ignore[override]
        if self._error is not None:
            return self._error
        batch = self._batch
        return None if batch is None else batch.error

    # concurrent.futures.wait, as_completed and add_done_callback use these with the
    # condition held: a ticket that gets one is watched when its batch is settled.
    @property
    def _waiters(self) -> list[Any]:  # type: ignore[override]
        if self._waiter_list is None:
            self._waiter_list = []
            self._watch()
        return self._waiter_list

    @property
    def _done_callbacks(self) -> list[Callable[[Future[list[int]]], object]]:
        if self._callbacks is None:
            self._callbacks = []
            self._watch()
        return self._callbacks

    def _watch(self) -> None:
        # Not yet taken: `_take` sees the list and watches it then.
        batch = self._batch
        if batch is not None and not batch.done:
            batch.watched.append(self)

    def _settled(self, timeout: float | None) -> _Batch:
        batch = self._batch
        if batch is not None and batch.done:
            return batch
        deadline = None if timeout is None else time.monotonic() + timeout
        if batch is None:  # not taken yet: `_take` wakes whoever waits for that
            with self._condition:
                while (batch := self._batch) is None:
                    self._condition.wait(_remaining(deadline))
                    if self._batch is None and _remaining(deadline) == 0:
                        raise FutureTimeout()
        if not batch.done:
            wait = _remaining(deadline)
            if not batch.latch.acquire(timeout=-1 if wait is None else wait):
                raise FutureTimeout()
            batch.latch.release()  # for the next caller waiting on this batch
        return batch

    def result(self, timeout: float | None = None) -> list[int]:
        batch = self._settled(timeout)
        error = self._error or batch.error
        if error is not None:
            raise error
        first = batch.first + self._offset
        return [first] if self.count == 1 else list(range(first, first + self.count))

    def exception(self, timeout: float | None = None) -> BaseException | None:
        return self._error or self._settled(timeout).error


def _leave_out(
    tickets: list[_Ticket],
    flat: list[bytes],
    companions: list[tuple[int, Companion]],
    failed: _CompanionFailed,
) -> tuple[list[bytes], list[tuple[int, Companion]]]:
    """Take the caller whose companion failed out of a batch; its ticket keeps the error.

    Returns the batch's entries and companions without it; the tickets after it
    move up by its entry count, so indices stay consecutive.
    """
    offset, _ = companions[failed.position]
    at = next(n for n, r in enumerate(tickets) if r._offset == offset and r.companion)
    gone = tickets.pop(at)
    error = failed.error
    if not isinstance(error, GlassboxError):  # an unexpected error: never shown as it is
        _log.error("a log companion write failed", exc_info=error)
        error = StorageError(f"could not store the request's records ({type(error).__name__})")
    gone._error = error
    for later in tickets[at:]:
        later._offset -= gone.count
    kept = flat[:offset] + flat[offset + gone.count :]
    moved = [
        (o if o < offset else o - gone.count, fn)
        for n, (o, fn) in enumerate(companions)
        if n != failed.position
    ]
    return kept, moved


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def _settle(
    condition: threading.Condition,
    batch: _Batch,
    first: int | None,
    error: BaseException | None = None,
) -> None:
    """Finish a batch: written in order from index `first`, or not at all, with `error`."""
    with condition:
        if first is None:
            batch.error = error
        else:
            batch.first = first
        batch.done = True
        watched, batch.watched = batch.watched, []  # no cycle from batch to ticket to batch
        for ticket in watched:
            for waiter in ticket._waiter_list or ():
                if ticket._exception is None:
                    waiter.add_result(ticket)
                else:
                    waiter.add_exception(ticket)
    batch.latch.release()
    awaited: dict[asyncio.AbstractEventLoop, list[_Ticket]] = {}
    for ticket in watched:
        if ticket._awaited is not None:
            awaited.setdefault(ticket._awaited.get_loop(), []).append(ticket)
    for loop, tickets in awaited.items():  # one wake-up per event loop, not one per request
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(_resolve_awaited, tickets)
    for ticket in watched:
        for callback in ticket._callbacks or ():  # e.g. asyncio.wrap_future
            try:
                callback(ticket)
            except Exception:
                _log.exception("a log append callback failed")


def _resolve_awaited(tickets: list[_Ticket]) -> None:
    """On an event loop: hand settled tickets to the `append_async` calls awaiting them."""
    for ticket in tickets:
        future = ticket._awaited
        if future is None or future.done():  # e.g. the request was cancelled
            continue
        if ticket._exception is not None:
            future.set_exception(ticket._exception)
        else:
            future.set_result(ticket.result())


class Sequencer:
    """Batches appends from many threads into few transactions.

    `append` returns only once the entries are committed: that is when a
    receipt naming their indices may be sent.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        batch_max: int = 4096,
        queue_max: int = 200_000,
        written: Callable[[int, Sequence[bytes]], None] | None = None,
    ) -> None:
        """`written(first, entries)` is told of each batch once it is committed."""
        self._engine = engine
        self._written = written
        self._batch_max = batch_max
        self._queue_max = queue_max
        self._pending: deque[_Ticket] = deque()
        self._closed = False
        self._wanted = 0  # how many queued appends the waiting writer thread waits for
        self._last_batch = 0  # appends in the last batch taken
        self._stopped = False  # the writer thread has taken its last batch
        self._lock = threading.Lock()  # entered directly: cheaper than the condition's wrapper
        self._cond = threading.Condition(self._lock)
        self._tickets = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="glassbox-sequencer", daemon=True)
        self._thread.start()

    def submit(
        self, entries: Sequence[bytes], companion: Companion | None = None
    ) -> Future[list[int]]:
        """Queue entries; the future resolves to their indices once they are committed.

        `companion`, if given, writes the caller's records in the same transaction
        (see `Companion`); its error, if it raises, is the future's.
        """
        return self._queue(entries, companion, None)

    def _queue(
        self,
        entries: Sequence[bytes],
        companion: Companion | None,
        awaited: asyncio.Future[list[int]] | None,
    ) -> _Ticket:
        for entry in entries:  # check_entries, inline: this runs once per request
            if len(entry) > MAX_ENTRY_SIZE or type(entry) is not bytes:
                check_entries(entries)  # raises if one is too large
                entries = [bytes(e) for e in entries]  # a bytearray or memoryview: a copy
                break
        ticket = _Ticket(self._tickets, entries, companion)
        if awaited is not None:
            ticket._awaited = awaited
        if not entries:
            ticket._batch = _NOTHING
            return ticket
        # No lock here: deque.append is atomic, and under load the writer thread is
        # busy and needs no wake-up, so concurrent callers do not queue up on a lock.
        if self._closed:
            raise Overloaded("the log is shutting down")
        if len(self._pending) >= self._queue_max:
            raise Overloaded("too many log appends are waiting; retry shortly")
        self._pending.append(ticket)
        if self._wanted and len(self._pending) >= self._wanted:  # the writer waits for this
            with self._lock:
                self._cond.notify()
        if self._closed:  # closed since the check above: the writer may be gone
            self._refuse_leftovers()
        return ticket

    def _refuse_leftovers(self) -> None:
        """Once the writer thread has stopped, settle anything still queued with a refusal."""
        with self._lock:
            if not self._stopped:
                return
            left, _, _, _ = self._take(None)
        _settle(self._tickets, left, None, Overloaded("the log is shutting down"))

    def append(self, entries: Sequence[bytes], companion: Companion | None = None) -> list[int]:
        """Append entries (in order) and return their indices once durable."""
        return self.submit(entries, companion).result()

    async def append_async(
        self, entries: Sequence[bytes], companion: Companion | None = None
    ) -> list[int]:
        """`append` for a coroutine: the event loop goes on serving while the entries commit."""
        future: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        self._queue(entries, companion, future)
        return await future

    def close(self) -> None:
        """Finish what is queued, then stop the writer thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()
        self._refuse_leftovers()

    def _take_batch(self) -> _Taken | None:
        pending = self._pending
        with self._cond:
            # `_wanted` is set before looking at the queue: a caller that appends
            # after the look sees it and wakes this thread, so no wake-up is lost.
            self._wanted = 1
            while not pending and not self._closed:
                self._cond.wait()
            if not pending:  # closed, and all that was queued is written
                self._stopped = True
                self._wanted = 0
                return None
            # Group commit: after a large batch, its callers are about to append
            # again. Taking only the few that are already here would start a convoy
            # of small transactions, each paying a commit (an fsync); so wait,
            # briefly, until half as many as last time are queued.
            self._wanted = self._last_batch // 2
            if len(pending) < self._wanted and not self._closed:
                self._cond.wait_for(
                    lambda: len(pending) >= self._wanted or self._closed, _GATHER_SECONDS
                )
            self._wanted = 0
        return self._take(self._batch_max)

    def _take(self, limit: int | None) -> _Taken:
        """Take queued appends into a new batch: up to `limit` entries (None: all), at least one.

        Only the writer thread takes, or, once it has stopped, `_refuse_leftovers`.
        """
        batch = _Batch()
        tickets: list[_Ticket] = []
        flat: list[bytes] = []
        companions: list[tuple[int, Companion]] = []
        pending = self._pending
        taken = 0
        # With the condition held, a ticket given waiters or callbacks meanwhile is
        # seen watched here or, once taken, adds itself in `_watch`.
        with self._tickets:
            while pending and (limit is None or not flat or len(flat) + pending[0].count <= limit):
                ticket = pending.popleft()
                ticket._batch = batch
                ticket._offset = len(flat)
                if ticket.companion is not None:
                    companions.append((len(flat), ticket.companion))
                tickets.append(ticket)
                flat.extend(ticket.entries)
                if (
                    ticket._awaited is not None
                    or ticket._waiter_list is not None
                    or ticket._callbacks is not None
                ):
                    batch.watched.append(ticket)
                taken += 1
            self._tickets.notify_all()  # callers waiting for their ticket to be taken
        self._last_batch = taken
        return batch, tickets, flat, companions

    def _run(self) -> None:
        # A committed batch's callers are told once the next batch holds its indices,
        # just before its rows are sent: they then queue their next appends while
        # this thread waits on the database, not while it needs the interpreter for
        # the statements that start a transaction. That is only worth it when the
        # next batch is already substantial; otherwise they are told at once.
        committed: tuple[_Batch, int] | None = None
        while True:
            taken: _Taken | None = None
            try:
                if committed is not None and len(self._pending) >= max(1, self._last_batch // 2):
                    taken = self._take(self._batch_max)
                else:
                    if committed is not None:
                        _settle(self._tickets, *committed)
                        committed = None
                    taken = self._take_batch()
                    if taken is None:
                        return
                committed = self._write(*taken, previous=committed)
            except Exception:  # never let the writer thread die, nor leave a caller waiting
                _log.exception("settling log appends failed")
                if committed is not None and not committed[0].done:
                    _settle(self._tickets, *committed)  # it is committed all the same
                committed = None
                if taken is not None and not taken[0].done:
                    err = StorageError("could not store log entries (internal error)")
                    _settle(self._tickets, taken[0], None, err)

    def _write(
        self,
        batch: _Batch,
        tickets: list[_Ticket],
        flat: list[bytes],
        companions: list[tuple[int, Companion]],
        previous: tuple[_Batch, int] | None = None,
    ) -> tuple[_Batch, int] | None:
        """Write a batch; return it with its first index, or None if it was refused.

        `previous`, a committed batch, is settled before this one's rows are sent,
        or in any case before this returns. A refused batch is settled with the error.
        A caller whose companion write fails is left out with that error, and the
        batch is written again without it: batch-mates never share its failure.
        """

        def tell_previous() -> None:
            nonlocal previous
            if previous is not None:
                _settle(self._tickets, *previous)
                previous = None

        try:
            while True:
                try:
                    start = _write_rows(self._engine, flat, companions, tell_previous)
                    break
                except _CompanionFailed as failed:
                    flat, companions = _leave_out(tickets, flat, companions, failed)
                    if not flat:  # every caller's companion failed: nothing to write
                        _settle(self._tickets, batch, 0)
                        return None
        except GlassboxError as exc:
            _settle(self._tickets, batch, None, exc)
            return None
        except Exception as exc:  # never let the writer thread die, nor leave a caller waiting
            _log.exception("log append failed")
            err = StorageError(f"could not store log entries ({exc.__class__.__name__})")
            _settle(self._tickets, batch, None, err)
            return None
        finally:
            tell_previous()
        if self._written is not None:
            try:
                self._written(start, flat)
            except Exception:  # committed all the same: the callers get their indices
                _log.exception("handing over written log entries failed")
        return batch, start
