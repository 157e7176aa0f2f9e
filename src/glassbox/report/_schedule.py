"""The server's schedule: once a month is over, its report is built and published.

With several replicas on PostgreSQL, a session advisory lock lets one of them build
it; the others find the report already there when they look next.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from sqlalchemy import text

from glassbox.clock import Clock, utc_now
from glassbox.report._build import build_report
from glassbox.report._entry import Report
from glassbox.report._published import PublishedReports
from glassbox.store import is_postgres
from glassbox.tlog.server import LogServer

_log = logging.getLogger(__name__)
_LOCK_KEY = 0x676C617373726570  # "glassrep"


def previous_month(now: datetime) -> str:
    """The UTC month before `now`'s, as YYYY-MM."""
    now = now.astimezone(UTC)
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def build_if_due(log: LogServer, published: PublishedReports, now: datetime) -> Report | None:
    """Build last month's final report unless one is published; return it if built.

    A provisional report of last month (built while it ran) does not count: the
    final one supersedes it.
    """
    period = previous_month(now)
    if published.has_final(period):
        return None
    if not is_postgres(log.engine):
        return build_report(log, period, now=now)
    with log.engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY}).scalar():
            return None
        try:
            if published.has_final(period):
                return None
            return build_report(log, period, now=now)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
            conn.commit()


class ReportSchedule:
    """Checks every `interval` seconds (first after one interval) in a daemon thread."""

    def __init__(self, log: LogServer, interval: float, *, clock: Clock = utc_now) -> None:
        self._log = log
        self._interval = interval
        self._clock = clock
        self._published = PublishedReports(log.reader)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="glassbox-reports", daemon=True)

    def start(self) -> ReportSchedule:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                built = build_if_due(self._log, self._published, self._clock())
            except Exception:
                _log.exception("building the monthly report failed; will retry")
                continue
            if built is not None:
                _log.info("published the %s report at log index %s", built.period, built.index)
