"""Published policy sets: publishing appends a `policy` entry; deciding uses the latest one."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select

from glassbox.clock import Clock, utc_now
from glassbox.entries import PolicyEntry
from glassbox.errors import PolicyError
from glassbox.policy import PolicySet, check_policy
from glassbox.store import policies
from glassbox.tlog import MAX_ENTRY_SIZE
from glassbox.tlog.server import LogServer

REFRESH = timedelta(seconds=1)


@dataclass(frozen=True)
class Published:
    """The policy in force and the index of the entry that published it."""

    policy: PolicySet
    log_index: int


@dataclass(frozen=True)
class PublishedPolicy:
    """What publishing gave: the policy's hash, its entry's index, and whether it was new."""

    hash: str
    index: int
    new: bool


class PolicyBook:
    """The policy in force: the latest published set, parsed once per version."""

    def __init__(self, log: LogServer, *, clock: Clock = utc_now) -> None:
        self._log = log
        self._engine = log.engine
        self._clock = clock
        self._lock = threading.Lock()
        self._current: Published | None = None
        self._checked: datetime | None = None  # when the latest policy was last looked up

    def publish(self, policy: PolicySet) -> PublishedPolicy:
        """Validate, test and publish `policy` as a `policy` entry (unless it is in force)."""
        check_policy(policy)
        latest = self._latest_row()
        if latest is not None and latest[0] == policy.hash:
            return PublishedPolicy(policy.hash, int(latest[1]), False)
        now = self._clock()
        entry = PolicyEntry(
            time=now, policy=policy.hash, text=policy.text, tests=policy.tests
        ).encode()
        if len(entry) > MAX_ENTRY_SIZE:
            raise PolicyError(
                f"the policy entry would be {len(entry)} bytes; log entries hold at most "
                f"{MAX_ENTRY_SIZE}: shorten the policy or its tests"
            )

        def record(conn: Connection, index: int) -> None:
            conn.execute(
                insert(policies).values(
                    hash=policy.hash,
                    text=policy.text,
                    tests=policy.tests,
                    log_index=index,
                    published_at=now,
                )
            )

        index = self._log.append([entry], record)
        with self._lock:
            self._checked = None  # in force here at once
        return PublishedPolicy(policy.hash, index, True)

    def _latest_row(self) -> tuple[str, int] | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(policies.c.hash, policies.c.log_index)
                .order_by(policies.c.log_index.desc())
                .limit(1)
            ).one_or_none()
        return None if row is None else (str(row.hash), int(row.log_index))

    def current(self) -> Published | None:
        """The latest published policy, re-checked at most once a second (by the clock)."""
        now = self._clock()
        with self._lock:
            checked = self._checked
            if checked is not None and timedelta(0) <= now - checked < REFRESH:
                return self._current
            latest = self._latest_row()
            self._checked = now
            if latest is None:
                self._current = None
            elif self._current is None or self._current.policy.hash != latest[0]:
                with self._engine.connect() as conn:
                    row = conn.execute(
                        select(policies.c.text, policies.c.tests).where(
                            policies.c.hash == latest[0]
                        )
                    ).one()
                self._current = Published(PolicySet.from_text(row.text, row.tests), latest[1])
            return self._current
