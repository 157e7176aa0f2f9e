"""Which months a report may be built for, and how a provisional report is marked and replaced.

A month that has not begun has nothing to report. The running month gives only a
provisional report, asked for with `--provisional` and marked so in its entry, its
pages and the audit; the final report, built once the month is over, supersedes it.
Every clock here is a test's clock: no test depends on the day it runs.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from glassbox.core import Glassbox
from glassbox.errors import InputError
from glassbox.report import (
    PROVISIONAL_NOTE,
    PublishedReports,
    build_if_due,
    build_report,
    compute_figures,
    parse_report,
    report_entry,
)
from glassbox.settings import load_settings
from glassbox.tlog import Checkpoint, Signer, parse_note
from glassbox.web import create_app
from tests.clock import FakeClock
from tests.conftest import TEST_KEY
from tests.report.conftest import LogBuilder

VKEY = Signer.from_key_string(TEST_KEY).verifier_key()
DEC = "2026-12"
DURING = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)  # December is running
AFTER = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)  # the first moment December is over


def _fill(node: Glassbox, served: int = 12) -> None:
    log = LogBuilder()
    log.policy("2026-11-01T00:00:00.000Z")
    for n in range(served):
        log.decision(f"2026-12-0{1 + n % 3}T00:00:00.000Z", "served")
    node.log.append(log.entries)


@pytest.fixture
def cli_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The clock the CLI's node reads (the one seam: `Glassbox.open`)."""
    clock = FakeClock(DURING)
    real = Glassbox.open.__func__  # type: ignore[attr-defined]

    def opened(cls: type[Glassbox], settings: Any, **kwargs: Any) -> Glassbox:
        return real(cls, settings, **{**kwargs, "clock": clock})  # type: ignore[no-any-return]

    monkeypatch.setattr(Glassbox, "open", classmethod(opened))
    return clock


@pytest.fixture
def web(data_dir: Path) -> Iterator[TestClient]:
    app = create_app(load_settings({"data_dir": data_dir}, environ={}), integrate=False)
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("period", "now"),
    [("2027-01", DURING), ("2026-12", datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC))],
)
def test_a_month_that_has_not_begun_is_refused(node: Glassbox, period: str, now: datetime) -> None:
    size = node.log.reader.size()
    for provisional in (False, True):
        with pytest.raises(InputError, match=f"the period {period} has not started"):
            build_report(node.log, period, now=now, provisional=provisional)
    node.log.integrator.integrate_all()
    assert node.log.reader.size() == size  # nothing was logged


def test_the_cli_refuses_a_future_month_and_needs_provisional_for_the_running_one(
    node: Glassbox, data_dir: Path, glassbox_cli: Any, cli_clock: FakeClock
) -> None:
    _fill(node)
    code, out = glassbox_cli("report", "build", "--period", "2027-01", "--data", data_dir)
    assert code == 2 and "the period 2027-01 has not started" in out, out
    code, out = glassbox_cli("report", "build", "--period", DEC, "--data", data_dir)
    assert code == 2, out
    assert "not over until 2027-01-01 00:00 UTC" in out and "--provisional" in out
    code, out = glassbox_cli(
        "report", "build", "--period", DEC, "--provisional", "--data", data_dir
    )
    assert code == 0, out
    assert out.startswith(f"Provisional report {DEC} appended at log index 13")
    assert PROVISIONAL_NOTE in out and "received  12" in out

    code, out = glassbox_cli("audit", "report", data_dir, "--period", DEC, "--key", VKEY)
    assert code == 0, out
    assert out.startswith(f"MATCH provisional report {DEC} at log index 13")
    assert PROVISIONAL_NOTE in out

    cli_clock.now = AFTER
    code, out = glassbox_cli(
        "report", "build", "--period", DEC, "--provisional", "--data", data_dir
    )
    assert code == 2 and "is over" in out and "without --provisional" in out, out
    code, out = glassbox_cli("report", "build", "--period", DEC, "--data", data_dir)
    assert code == 0 and out.startswith(f"Report {DEC} appended at log index 14"), out
    assert PROVISIONAL_NOTE not in out


def test_a_provisional_report_is_marked_in_its_entry_json_csv_and_page(
    node: Glassbox, web: TestClient
) -> None:
    _fill(node)
    report = build_report(node.log, DEC, now=DURING, provisional=True)
    entry = json.loads(node.log.reader.entries(report.index, report.index + 1)[0])
    assert entry["status"] == "provisional" and entry["v"] == 1
    assert report.provisional and report.status == "provisional"

    doc = web.get(f"/transparency/{DEC}.json").json()
    assert doc["status"] == "provisional" and doc["log_index"] == report.index
    rows = list(csv.reader(io.StringIO(web.get(f"/transparency/{DEC}.csv").text)))
    assert ["report", "", "status", "provisional"] in rows
    page = web.get(f"/transparency/{DEC}").text
    assert "Transparency report: December 2026 (provisional)" in page
    assert "the month is not over; figures will change" in page
    assert 'id="status">provisional<' in page
    assert "provisional</span>" in web.get("/transparency").text


def test_the_final_report_supersedes_the_provisional_ones_which_stay_auditable(
    node: Glassbox, data_dir: Path, web: TestClient, glassbox_cli: Any
) -> None:
    _fill(node)
    first = build_report(node.log, DEC, now=DURING, provisional=True)
    _fill(node, served=3)
    second = build_report(node.log, DEC, now=DURING.replace(day=20), provisional=True)
    final = build_report(node.log, DEC, now=AFTER)
    assert not final.provisional and final.status == "final"
    entry = json.loads(node.log.reader.entries(final.index, final.index + 1)[0])
    assert "status" not in entry  # a final entry is encoded as before statuses existed

    published = PublishedReports(node.log.reader)
    assert published.latest(DEC) == final
    assert published.periods() == [(final, 2)]
    doc = web.get(f"/transparency/{DEC}.json").json()
    assert doc["status"] == "final" and doc["log_index"] == final.index
    page = web.get(f"/transparency/{DEC}").text
    assert "(provisional)" not in page and "figures will change" not in page
    assert "replaces 2 earlier" in web.get("/transparency").text

    code, out = glassbox_cli("audit", "report", data_dir, "--period", DEC, "--key", VKEY)
    assert code == 0 and out.startswith(f"MATCH report {DEC} at log index {final.index}"), out
    for old in (first, second):
        code, out = glassbox_cli(
            "audit", "report", data_dir, "--period", DEC, "--key", VKEY, "--index", str(old.index)
        )
        assert code == 0, out
        assert out.startswith(f"MATCH provisional report {DEC} at log index {old.index}")


def test_a_late_provisional_entry_does_not_replace_the_final_report(node: Glassbox) -> None:
    """However it got there, a provisional entry after the final one is not published."""
    _fill(node)
    final = build_report(node.log, DEC, now=AFTER)
    node.log.integrator.integrate_all()
    checkpoint = Checkpoint.parse(parse_note(node.log.reader.checkpoint()).text)
    figures = compute_figures(node.log.reader.entries(0, checkpoint.size), DEC)
    node.log.append([report_entry(DEC, checkpoint, figures, DURING, provisional=True)])
    node.log.integrator.integrate_all()
    assert PublishedReports(node.log.reader).latest(DEC) == final


def test_the_schedule_builds_the_final_report_of_a_month_with_a_provisional_one(
    node: Glassbox,
) -> None:
    _fill(node)
    published = PublishedReports(node.log.reader)
    provisional = build_report(node.log, DEC, now=DURING, provisional=True)
    assert build_if_due(node.log, published, DURING) is not None  # November's, final
    built = build_if_due(node.log, published, AFTER)
    assert built is not None and built.period == DEC and not built.provisional
    assert built.index > provisional.index
    assert build_if_due(node.log, published, AFTER) is None  # the final one is there


def test_an_audit_names_a_status_that_contradicts_the_reports_time(
    node: Glassbox, data_dir: Path, glassbox_cli: Any
) -> None:
    """A method-2 report dated inside its month that calls itself final is caught."""
    _fill(node)
    node.log.integrator.integrate_all()
    checkpoint = Checkpoint.parse(parse_note(node.log.reader.checkpoint()).text)
    figures = compute_figures(node.log.reader.entries(0, checkpoint.size), DEC)
    node.log.append([report_entry(DEC, checkpoint, figures, DURING)])
    node.log.integrator.integrate_all()
    code, out = glassbox_cli("audit", "report", data_dir, "--period", DEC, "--key", VKEY)
    assert code == 10, out
    assert "status: report says final, log gives provisional" in out


def test_report_entries_without_a_status_are_final_and_unknown_statuses_are_rejected() -> None:
    checkpoint = Checkpoint("example.test/glassbox/testdata", 0, b"\x00" * 32)
    figures = compute_figures([], "2026-11", method=1)
    old = report_entry("2026-11", checkpoint, figures, DURING)
    assert b"status" not in old
    assert parse_report(old, 0).status == "final"
    odd = json.loads(old) | {"status": "draft"}
    with pytest.raises(Exception, match="status 'draft'"):
        parse_report(json.dumps(odd).encode(), 0)
