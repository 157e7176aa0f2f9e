"""The server publishes last month's report once the month is over, once."""

from __future__ import annotations

from datetime import UTC, datetime

from glassbox.core import Glassbox
from glassbox.report import PublishedReports, build_if_due, previous_month


def test_previous_month() -> None:
    assert previous_month(datetime(2026, 12, 1, 0, 0, tzinfo=UTC)) == "2026-11"
    assert previous_month(datetime(2027, 1, 15, tzinfo=UTC)) == "2026-12"


def test_last_months_report_is_built_once(node: Glassbox) -> None:
    published = PublishedReports(node.log.reader)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    built = build_if_due(node.log, published, now)
    assert built is not None and built.period == "2026-11"
    assert build_if_due(node.log, published, now) is None  # already published
    assert [report.period for report, _ in published.periods()] == ["2026-11"]
