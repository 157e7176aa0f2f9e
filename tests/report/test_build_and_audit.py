"""`glassbox report build` logs a report; `glassbox audit report` recomputes it or names the cells.

The log is written directly (`LogServer.append`) with entries in the gateway's shapes, so
every figure is known; the CLI runs as a user runs it.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from glassbox.core import Glassbox
from glassbox.entries import canonical
from glassbox.report import build_report, compute_figures, parse_report, report_entry
from glassbox.store import log_entries
from glassbox.tlog import Checkpoint, Signer, parse_note
from tests.conftest import TEST_KEY
from tests.report.conftest import LogBuilder

VKEY = Signer.from_key_string(TEST_KEY).verifier_key()
NOV = "2026-11"


def _fill(node: Glassbox, served: int = 14, denied: int = 3) -> LogBuilder:
    log = LogBuilder()
    log.policy("2026-10-01T00:00:00.000Z")
    for n in range(served):
        log.decision(f"2026-11-03T{n % 24:02d}:00:00.000Z", "served")
    for _ in range(denied):
        log.decision("2026-11-04T00:00:00.000Z", "denied", purpose="targeting")
    held = log.decision("2026-11-05T00:00:00.000Z", "held", category="military", reviewers=1)
    log.review("2026-11-05T00:00:42.000Z", held, "approve", "r1", required=1)
    log.final("2026-11-05T00:00:43.000Z", held, "served", category="military")
    log.add(b"a raw operator entry")
    node.log.append(log.entries)
    node.log.integrator.integrate_all()
    return log


def _checkpoint(node: Glassbox) -> Checkpoint:
    return Checkpoint.parse(parse_note(node.log.reader.checkpoint()).text)


def test_build_logs_the_figures_and_the_checkpoint_they_were_computed_at(
    node: Glassbox, data_dir: Path, glassbox_cli: Any
) -> None:
    log = _fill(node)
    before = _checkpoint(node)
    code, out = glassbox_cli("report", "build", "--period", NOV, "--data", data_dir)
    size = len(log.entries)
    assert code == 0, out
    assert f"Report {NOV} appended at log index {size}" in out
    assert f"size={size} root={base64.b64encode(before.root).decode()}" in out
    assert "received  10+" in out and "denied    1-9" in out  # 18, withheld: 3 denials are banded

    node.log.integrator.integrate_all()
    assert _checkpoint(node).size == size + 1  # the report entry is published at once
    report = parse_report(node.log.reader.entries(size, size + 1)[0], size)
    assert (report.period, report.origin, report.size) == (NOV, before.origin, size)
    assert report.figures == compute_figures(log.entries, NOV)
    assert report.figures["requests"]["served"] == "10+"
    assert compute_figures(log.entries, NOV, band_below=1)["requests"]["served"] == 15
    assert report.figures["review_time_ms"] == {"decided": "1-9", "median": 42_000, "p90": 42_000}
    assert report.figures["undated_entries"] == "1-9"


def test_audit_says_match_on_an_honest_log(
    node: Glassbox, data_dir: Path, glassbox_cli: Any
) -> None:
    size = len(_fill(node).entries)
    assert glassbox_cli("report", "build", "--period", NOV, "--data", data_dir)[0] == 0
    code, out = glassbox_cli("audit", "report", data_dir, "--period", NOV, "--key", VKEY)
    assert code == 0, out
    assert out.startswith(f"MATCH report {NOV} at log index {size}, computed at checkpoint ")
    assert f"size={size} root=" in out and f"log verified at size={size + 1}" in out


def test_a_forged_report_is_caught_cell_by_cell(
    node: Glassbox, data_dir: Path, glassbox_cli: Any
) -> None:
    """An operator appends a report for October claiming work that the log does not show."""
    _fill(node)
    checkpoint = _checkpoint(node)
    entries = node.log.reader.entries(0, checkpoint.size)
    forged = copy.deepcopy(compute_figures(entries, "2026-10"))
    forged["requests"]["received"] = 120
    forged["requests"]["served"] = 118
    forged["by_category"][4]["received"] = 120  # commercial
    entry = report_entry("2026-10", checkpoint, forged, datetime(2026, 11, 2, tzinfo=UTC))
    index = node.log.append([entry])
    node.log.integrator.integrate_all()

    code, out = glassbox_cli("audit", "report", data_dir, "--period", "2026-10", "--key", VKEY)
    assert code == 10, out
    assert out.startswith(f"MISMATCH (3 cells differ) report 2026-10 at log index {index}")
    lines = [line.strip() for line in out.splitlines()]
    assert "requests.received: report says 120, log gives 0" in lines
    assert "requests.served: report says 118, log gives 0" in lines
    assert "by_category[commercial].received: report says 120, log gives 0" in lines
    assert "error (tampered): 3 cells of report" in out
    # the honest November report, built afterwards, still matches
    report = build_report(node.log, NOV)
    code, out = glassbox_cli("audit", "report", data_dir, "--period", NOV, "--key", VKEY)
    assert code == 0 and f"at log index {report.index}" in out, out


def test_a_report_naming_a_false_checkpoint_is_caught(
    node: Glassbox, data_dir: Path, glassbox_cli: Any
) -> None:
    _fill(node)
    real = _checkpoint(node)
    figures = compute_figures(node.log.reader.entries(0, real.size), NOV)
    false = Checkpoint(real.origin, real.size, b"\x07" * 32)
    node.log.append([report_entry(NOV, false, figures, datetime.now(UTC))])
    node.log.integrator.integrate_all()
    code, out = glassbox_cli("audit", "report", data_dir, "--period", NOV, "--key", VKEY)
    assert code == 10 and f"names root {base64.b64encode(false.root).decode()}" in out, out


def test_a_changed_entry_is_caught_before_anything_is_recomputed(
    node: Glassbox, data_dir: Path, glassbox_cli: Any
) -> None:
    log = _fill(node)
    build_report(node.log, NOV)
    forged = json.loads(log.entries[5])
    forged["outcome"] = "denied"
    with node.engine.begin() as conn:
        conn.execute(
            update(log_entries).where(log_entries.c.idx == 5).values(data=canonical(forged))
        )
    code, out = glassbox_cli("audit", "report", data_dir, "--period", NOV, "--key", VKEY)
    assert code == 10, out
    assert "do not hash to the signed checkpoint's root" in out


def test_the_report_of_a_period_is_its_latest_unless_an_index_is_named(
    node: Glassbox, data_dir: Path, glassbox_cli: Any
) -> None:
    _fill(node)
    first = build_report(node.log, NOV)
    more = LogBuilder()
    for _ in range(3):
        more.decision("2026-11-20T00:00:00.000Z", "served")
    node.log.append(more.entries)
    second = build_report(node.log, NOV)
    assert first.figures and second.figures
    assert second.size == first.index + 1 + 3  # three more served (withheld as "10+" both times)
    code, out = glassbox_cli("audit", "report", data_dir, "--period", NOV, "--key", VKEY)
    assert code == 0 and f"at log index {second.index}" in out, out
    code, out = glassbox_cli(
        "audit", "report", data_dir, "--period", NOV, "--key", VKEY, "--index", str(first.index)
    )
    assert code == 0 and f"at log index {first.index}" in out, out
    code, out = glassbox_cli(
        "audit", "report", data_dir, "--period", NOV, "--key", VKEY, "--index", "3"
    )
    assert code == 3 and "not one of the report entries" in out, out


def test_missing_report_and_wrong_key_are_clear_errors(
    node: Glassbox, data_dir: Path, glassbox_cli: Any
) -> None:
    _fill(node)
    code, out = glassbox_cli("audit", "report", data_dir, "--period", "2026-08", "--key", VKEY)
    assert code == 3 and "no report entry for 2026-08" in out, out
    other = Signer.generate("example.test/glassbox/testdata").verifier_key()
    code, out = glassbox_cli("audit", "report", data_dir, "--period", NOV, "--key", other)
    assert code == 10 and "signature" in out.lower(), out
    code, out = glassbox_cli("audit", "report", data_dir, "--period", "November")
    assert code == 2 and "YYYY-MM" in out, out


@pytest.mark.parametrize("purposes", [1200])
def test_figures_too_large_for_an_entry_are_logged_as_their_hash(
    node: Glassbox, data_dir: Path, glassbox_cli: Any, purposes: int
) -> None:
    log = LogBuilder()
    for n in range(purposes):
        log.decision("2026-11-06T00:00:00.000Z", "served", purpose=f"purpose-{n:05d}-" + "x" * 40)
    node.log.append(log.entries)
    report = build_report(node.log, NOV)
    assert report.figures is None and report.figures_sha256.startswith("sha256:")
    code, out = glassbox_cli("audit", "report", data_dir, "--period", NOV, "--key", VKEY)
    assert code == 0, out
