"""Published policy sets: publishing appends a `policy` entry; deciding uses the latest one."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, select

from glassbox.entries import ENTRY_VERSION, canonical, rfc3339, utc_now
from glassbox.errors import PolicyError
from glassbox.policy import PolicySet, check_policy
from glassbox.store import policies
from glassbox.tlog import MAX_ENTRY_SIZE
from glassbox.tlog.server import write_entries

REFRESH_SECONDS = 1.0


@dataclass(frozen=True)
class Published:
    policy: PolicySet
    log_index: int


class PolicyBook:
    """The policy in force: the latest published set, parsed once per version."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._current: Published | None = None
        self._checked = 0.0

    def publish(self, policy: PolicySet) -> tuple[int, bool]:
        """Validate, test and publish `policy`; return (log index, whether it is new)."""
        check_policy(policy)
        latest = self._latest_row()
        if latest is not None and latest[0] == policy.hash:
            return int(latest[1]), False
        now = utc_now()
        entry = canonical(
            {
                "v": ENTRY_VERSION,
                "kind": "policy",
                "time": rfc3339(now),
                "policy": policy.hash,
                "text": policy.text,
                "tests": policy.tests,
            }
        )
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

        index = write_entries(self._engine, [entry], [(0, record)])
        return index, True

    def _latest_row(self) -> tuple[str, int] | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(policies.c.hash, policies.c.log_index)
                .order_by(policies.c.log_index.desc())
                .limit(1)
            ).one_or_none()
        return None if row is None else (str(row.hash), int(row.log_index))

    def current(self) -> Published | None:
        """The latest published policy, re-checked at most once a second."""
        with self._lock:
            if time.monotonic() - self._checked < REFRESH_SECONDS:
                return self._current
            latest = self._latest_row()
            self._checked = time.monotonic()
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
