"""A report of real traffic through the gateway, published at /transparency as HTML, JSON, CSV.

Clients "Ministry" (military: every request held for two reviewers) and "Acme"
(commercial: served at once) use the in-process app, whose clock stands on
20 November 2026; reviewers decide; the report's figures, its pages and
`glassbox audit report` must all agree.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glassbox.report import MEASURES, cells, count_figures, duration, figures_sha256, shown
from tests.clock import FakeClock
from tests.report.conftest import LogBuilder
from tests.review.conftest import ReviewEnv, make_env

CELL = re.compile(r'data-cell="([^"]+)"[^>]*>([^<]*)<')


@pytest.fixture
def env(tmp_path: Path, db_url: str) -> Iterator[ReviewEnv]:
    yield from make_env(tmp_path, db_url, clock=FakeClock())


def _acme(env: ReviewEnv, *, purpose: str | None = None, audio: bytes | None = None) -> Any:
    headers = {"Authorization": f"Bearer {env.keys['Acme']}"}
    if purpose:
        headers["Glassbox-Purpose"] = purpose
    return env.client.post(
        "/v1/audio/transcriptions",
        headers=headers,
        files={"file": ("sample.flac", env.audio if audio is None else audio, "audio/flac")},
        data={"model": "tiny.en", "language": "en"},
    )


def _traffic(env: ReviewEnv) -> str:
    """Three held requests (approved, denied, pending) and four of Acme's; returns the month."""
    approved, denied, _pending = env.submit(), env.submit(), env.submit()
    env.review.decide(env.users["alice"], approved["id"], "approve", "a public hearing")
    env.review.decide(env.users["bob"], approved["id"], "approve", "agreed")
    env.review.decide(env.users["alice"], denied["id"], "deny", "no stated need")
    env.tick()  # runs the approved hold
    assert _acme(env).status_code == 200
    assert _acme(env, purpose="surveillance").status_code == 403
    assert _acme(env, purpose="targeting").status_code == 403
    assert _acme(env, audio=b"this is not audio").status_code == 400
    months = {e["time"][:7] for e in env.entries() if e["kind"] in ("decision", "review")}
    assert months == {"2026-11"}  # the app's clock, which only the test moves
    return months.pop()


def _row(**counts: int) -> dict[str, int]:
    return {m: counts.get(m, 0) for m in MEASURES}


def _html_cells(page: str) -> dict[str, str]:
    return {name: html.unescape(text) for name, text in CELL.findall(page)}


def test_real_traffic_is_reported_and_every_format_agrees(
    env: ReviewEnv, glassbox_cli: Any, tmp_path: Path
) -> None:
    period = _traffic(env)
    data = tmp_path / "data"
    code, out = glassbox_cli("report", "build", "--period", period, "--data", data)
    assert code == 0, out

    # the exact counts behind the report
    raw = env.node.log.reader.entries(0, env.node.log.reader.size())
    report_index = len(raw) - 1
    counts = count_figures(raw[:report_index], period)
    assert counts.requests == _row(
        received=7, served=2, denied=3, held=3, approved=1, expired=0, failed=1
    )
    assert counts.by["category"]["military"] == _row(
        received=3, served=1, denied=1, held=3, approved=1
    )
    assert counts.by["category"]["commercial"] == _row(received=4, served=1, denied=2, failed=1)
    assert counts.by["purpose"]["surveillance"] == _row(received=1, denied=1)
    assert counts.by["purpose"]["targeting"] == _row(received=1, denied=1)
    assert [(u.index, u.decisions) for u in counts.policies] == [(0, 9)]
    assert len(counts.review_times_ms) == 2

    # what is published: small counts banded, zero kept
    doc = env.client.get(f"/transparency/{period}.json")
    assert doc.status_code == 200 and doc.headers["content-type"] == "application/json"
    published = doc.json()
    figures = published["figures"]
    assert published["log_index"] == report_index
    assert published["figures_sha256"] == figures_sha256(figures)
    assert published["checkpoint"]["size"] == report_index
    assert figures["requests"] == {m: "1-9" for m in MEASURES} | {"expired": 0}
    assert figures["review_time_ms"]["median"] == counts.review_times_ms[0]
    assert figures["review_time_ms"]["p90"] == counts.review_times_ms[1]
    assert json.loads(raw[report_index])["figures"] == figures  # the log holds the same

    # the CSV has the same cells
    rows = list(csv.reader(io.StringIO(env.client.get(f"/transparency/{period}.csv").text)))
    assert rows[0] == ["section", "row", "measure", "value"]
    meta = {r[2]: r[3] for r in rows if r[0] == "report"}
    assert meta["log_index"] == str(report_index)
    assert meta["checkpoint_root"] == published["checkpoint"]["root"]
    from_csv = {(r[0], r[1], r[2]): r[3] for r in rows[1:] if r[0] != "report"}
    assert from_csv == {
        (c.section, c.row, c.measure): "" if v is None else str(v)
        for c, v in cells(figures).items()
    }

    # the HTML page shows every figure as the JSON has it, and names where it comes from
    page = env.client.get(f"/transparency/{period}")
    assert page.status_code == 200
    assert "script" not in page.text.lower()
    assert "'self'" in page.headers["content-security-policy"]
    shown_cells = _html_cells(page.text)
    for name, value in cells(figures).items():
        if name.section in ("requests", "other_entries", "undated_entries", "administration") or (
            name.section.startswith("by_") or name.measure == "decisions"
        ):
            assert shown_cells.pop(str(name)) == shown(value), name
    assert shown_cells.pop("review_time_ms.decided") == "1-9"
    assert shown_cells.pop("review_time_ms.median") == duration(counts.review_times_ms[0])
    assert shown_cells.pop("review_time_ms.p90") == duration(counts.review_times_ms[1])
    assert shown_cells == {}
    checkpoint = published["checkpoint"]
    assert f'id="checkpoint-origin">{checkpoint["origin"]}<' in page.text
    assert f'id="checkpoint-size">{checkpoint["size"]}<' in page.text
    assert f'id="checkpoint-root">{checkpoint["root"]}<' in page.text
    assert f">{report_index}</a>" in page.text
    assert page.text.count("<svg") >= 7 and 'role="img"' in page.text

    index = env.client.get("/transparency")
    assert index.status_code == 200 and f'href="/transparency/{period}"' in index.text

    # and an auditor recomputes the same figures from the log
    code, out = glassbox_cli("audit", "report", data, "--period", period)
    assert code == 0 and out.startswith(f"MATCH report {period} at log index {report_index}"), out


def test_reports_too_large_for_an_entry_are_recomputed_for_publication(
    env: ReviewEnv, glassbox_cli: Any, tmp_path: Path
) -> None:
    log = LogBuilder()
    for n in range(1200):
        log.decision("2026-06-02T00:00:00.000Z", "served", purpose=f"p{n:05d}-" + "x" * 40)
    env.node.log.append(log.entries)
    code, out = glassbox_cli("report", "build", "--period", "2026-06", "--data", tmp_path / "data")
    assert code == 0, out
    published = env.client.get("/transparency/2026-06.json").json()
    assert len(published["figures"]["by_purpose"]) == 1200
    assert published["figures_sha256"] == figures_sha256(published["figures"])
    entry = json.loads(
        env.node.log.reader.entries(published["log_index"], published["log_index"] + 1)[0]
    )
    assert "figures" not in entry and entry["figures_sha256"] == published["figures_sha256"]


def test_unknown_pages(env: ReviewEnv) -> None:
    empty = env.client.get("/transparency")
    assert empty.status_code == 200 and "No report has been published yet" in empty.text
    for path in ("/transparency/2026-02", "/transparency/report.html", "/transparency/2026-2"):
        missing = env.client.get(path)
        assert missing.status_code == 404 and "<h1>Not found</h1>" in missing.text, path
    assert env.client.get("/transparency/2026-02.json").json()["error"]["code"] == "not_found"
    css = env.client.get("/transparency/static/transparency.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
