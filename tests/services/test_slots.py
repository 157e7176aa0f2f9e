"""Slots for heavy work: a bounded number of holders, first come first served, and turns."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassbox.errors import Overloaded
from glassbox.services._slots import Slots


def _waiters(slots: Slots, count: int) -> None:
    """Wait (briefly, polling) until `count` threads stand in line."""
    for _ in range(1000):
        if len(slots._waiting) >= count:
            return
        time.sleep(0.001)
    raise AssertionError(f"{count} waiters never lined up")


def test_waiters_get_their_slot_in_arrival_order() -> None:
    slots = Slots(1, queue_timeout=10, what="test")
    slots.acquire()
    order: list[int] = []

    def work(n: int) -> None:
        slots.acquire()
        order.append(n)
        slots.release()

    with ThreadPoolExecutor(5) as pool:
        futures = []
        for n in range(5):
            futures.append(pool.submit(work, n))
            _waiters(slots, n + 1)  # each in line before the next arrives
        slots.release()
        for future in futures:
            future.result(timeout=10)
    assert order == [0, 1, 2, 3, 4]


def test_a_waiter_past_its_deadline_is_overloaded_and_leaves_the_line() -> None:
    slots = Slots(1, queue_timeout=0.05, what="transcription")
    slots.acquire()
    slots.release(held=12.2)  # a typical hold of about 12 s
    slots.acquire()
    with pytest.raises(Overloaded, match=r"all 1 transcription slots .* retry after 13 s") as e:
        slots.acquire()
    assert e.value.status == 503 and e.value.retry_after == 13
    assert not slots._waiting  # no ghost in the line takes the next free slot
    slots.release()
    slots.acquire(deadline=time.monotonic())  # free: taken at once, even at the deadline


def test_releasing_more_than_was_taken_is_a_bug() -> None:
    slots = Slots(2, queue_timeout=1, what="test")
    slots.acquire()
    slots.release()
    with pytest.raises(RuntimeError):
        slots.release()


def test_a_long_holder_lets_the_waiting_go_first_then_continues() -> None:
    slots = Slots(1, queue_timeout=10, what="test")
    slots.acquire()
    assert slots.pass_turn() == 0.0  # nobody waits: it keeps the slot
    served = threading.Event()

    def short() -> None:
        slots.acquire(deadline=time.monotonic() + 5)
        served.set()
        slots.release()

    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(short)
        _waiters(slots, 1)
        waited = slots.pass_turn()
        assert served.is_set() and waited >= 0.0  # the short one ran in between
        waiting.result(timeout=5)
    with pytest.raises(Overloaded):  # and the long one holds the slot again
        slots.acquire(deadline=time.monotonic())
    slots.release()


@settings(max_examples=25, deadline=None)
@given(size=st.integers(1, 4), workers=st.integers(1, 8), rounds=st.integers(1, 5))
def test_never_more_holders_than_slots(size: int, workers: int, rounds: int) -> None:
    slots = Slots(size, queue_timeout=10, what="test")
    holders, most = 0, 0
    lock = threading.Lock()

    def hold(change: int) -> None:
        nonlocal holders, most
        with lock:
            holders += change
            most = max(most, holders)

    def work() -> None:
        for n in range(rounds):
            slots.acquire()
            hold(+1)
            if n % 2:  # not counted while its turn may be passed on
                hold(-1)
                slots.pass_turn()
                hold(+1)
            hold(-1)
            slots.release()

    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(work) for _ in range(workers)]:
            future.result(timeout=30)
    assert 1 <= most <= size
    for _ in range(size):  # every slot came back
        slots.acquire(deadline=time.monotonic())
