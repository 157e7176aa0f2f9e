"""The reports a server publishes: the report entries of its own log, read back.

No table holds them: the log is the store. An index remembers which entries are
reports and reads only what was appended since it last looked.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

from glassbox.entries import figures_sha256
from glassbox.errors import FormatError, NotFound, TamperError
from glassbox.report._build import stored_entries
from glassbox.report._entry import Report, current, maybe_report, parse_report
from glassbox.report._figures import compute_figures
from glassbox.tlog import Checkpoint
from glassbox.tlog.server import MAX_ENTRIES_PER_READ, LogReader


class PublishedReports:
    """Report entries under the latest checkpoint, by period.

    A period's published report is its latest final one, or while it has none its
    latest provisional one (`current`); the others stay in the log, replaced.
    """

    def __init__(self, reader: LogReader) -> None:
        self._reader = reader
        self._lock = threading.Lock()
        self._scanned = 0
        self._reports: dict[str, list[Report]] = {}
        self._figures: dict[int, dict[str, Any]] = {}  # recomputed, for hash-only entries

    def refresh(self) -> None:
        """Read the entries integrated since the last call and note the reports among them."""
        with self._lock:
            size = self._reader.size()
            while self._scanned < size:
                end = min(self._scanned + MAX_ENTRIES_PER_READ, size)
                for offset, data in enumerate(self._reader.entries(self._scanned, end)):
                    if maybe_report(data):
                        self._note(self._scanned + offset, data)
                self._scanned = end

    def _note(self, index: int, data: bytes) -> None:
        try:
            report = parse_report(data, index)
        except FormatError:
            return  # not a report entry after all, or a malformed one: not published
        self._reports.setdefault(report.period, []).append(report)

    def periods(self) -> list[tuple[Report, int]]:
        """Each period's published report with how many earlier ones it replaces, newest first."""
        self.refresh()
        with self._lock:
            found = [(current(reports), len(reports) - 1) for reports in self._reports.values()]
        return sorted(found, key=lambda pair: pair[0].period, reverse=True)

    def latest(self, period: str) -> Report:
        self.refresh()
        with self._lock:
            reports = self._reports.get(period)
        if not reports:
            raise NotFound(f"no transparency report for {period} is published")
        return current(reports)

    def has_final(self, period: str) -> bool:
        """Whether a final (not provisional) report of `period` is published."""
        self.refresh()
        with self._lock:
            return any(not report.provisional for report in self._reports.get(period, []))

    def figures(self, report: Report) -> dict[str, Any]:
        """The report's figures: as logged, or recomputed and checked against the logged hash."""
        if report.figures is not None:
            return report.figures
        with self._lock:
            cached = self._figures.get(report.index)
        if cached is not None:
            return cached
        prefix = Checkpoint(report.origin, report.size, base64.b64decode(report.root))
        figures = compute_figures(
            stored_entries(self._reader, prefix),
            report.period,
            band_below=report.band_below,
            method=report.method,
        )
        if figures_sha256(figures) != report.figures_sha256:
            raise TamperError(
                f"report entry {report.index} names figures this log does not give: "
                "the figures recomputed at its checkpoint hash differently"
            )
        with self._lock:
            self._figures[report.index] = figures
        return figures
