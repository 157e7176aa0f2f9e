"""The transparency pages in a real browser (Debian's Chromium via Playwright), live server.

The figures a reader sees must be the ones `glassbox audit report` recomputes over
HTTP. Screenshots (desktop and phone) are saved under artifacts/ for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from glassbox.core import Glassbox, init_data_dir
from glassbox.report import build_report, cells, compute_figures, duration, shown
from glassbox.settings import load_settings
from glassbox.tlog import Signer
from tests.browser import ARTIFACTS, DESKTOP, PHONE
from tests.conftest import TEST_KEY, TEST_ORIGIN
from tests.live import Server, run_cli
from tests.report.conftest import POLICY_B, LogBuilder

PERIOD = "2026-10"
CATEGORIES = ["commercial"] * 6 + ["academic"] * 3 + ["media", "ngo", "military"]


def _month_of_traffic() -> LogBuilder:
    """A month with counts above and below the band threshold in every section."""
    log = LogBuilder()
    log.policy("2026-09-20T00:00:00.000Z", POLICY_B)
    for n in range(180):
        day, hour = 1 + n % 28, n % 24
        time = f"2026-10-{day:02d}T{hour:02d}:{n % 60:02d}:00.000Z"
        category = CATEGORIES[n % len(CATEGORIES)]
        purpose = ("accessibility", "research", "journalism", "surveillance")[n % 7 % 4]
        action = ("transcribe", "transcribe", "translate", "detect", "redact")[n % 5]
        dims = {"category": category, "purpose": purpose, "action": action, "policy": POLICY_B}
        if purpose == "surveillance":
            log.decision(time, "denied", **dims)
        elif category == "military":
            held = log.decision(time, "held", reviewers=2, **dims)
            later = f"2026-10-{day:02d}T{hour:02d}:{n % 60:02d}:{10 + n % 40:02d}.000Z"
            log.review(later, held, "approve", "r1")
            if n % 3:
                log.review(later, held, "approve", "r2")
                log.final(later, held, "served", **dims)
            else:
                log.review(later, held, "deny", "r2")
                log.final(later, held, "denied", **dims)
        else:
            log.decision(time, "failed" if n % 13 == 0 else "served", **dims)
    return log


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, LogBuilder]]:
    data = tmp_path_factory.mktemp("transparency") / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}),
        signing_key=TEST_KEY,
        default_policy=False,
    )
    log = _month_of_traffic()
    node = Glassbox.open(load_settings({"data_dir": data}, environ={}))
    try:
        node.log.append(log.entries)
        build_report(node.log, PERIOD)
    finally:
        node.close()
    server = Server(data).start()
    try:
        yield server.url, data, log
    finally:
        server.stop()


def _watch(page: Any) -> list[str]:
    """Collect the page's console errors (a CSP violation shows up as one)."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _shown_cells(page: Any) -> dict[str, str]:
    return dict(
        page.evaluate(
            "() => [...document.querySelectorAll('[data-cell]')]"
            ".map(e => [e.dataset.cell, e.innerText.trim()])"
        )
    )


def test_the_page_a_reader_sees_is_what_an_auditor_recomputes(
    browser: Any, live: tuple[str, Path, LogBuilder]
) -> None:
    url, _, log = live
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport=DESKTOP).new_page()
    errors = _watch(page)
    page.goto(f"{url}/transparency")
    page.screenshot(path=ARTIFACTS / "transparency-index.png", full_page=True)
    page.get_by_role("link", name="October 2026").click()
    assert page.url == f"{url}/transparency/{PERIOD}"
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Transparency report: October 2026"
    page.screenshot(path=ARTIFACTS / "transparency-report.png", full_page=True)

    # every figure on the page is the one recomputed here from the log's entries
    figures = compute_figures(log.entries, PERIOD)
    # exact counts, bands and counts withheld so that no band can be subtracted all appear
    assert figures["requests"]["received"] == "10+"
    values = list(cells(figures).values())
    assert any(isinstance(v, int) and v >= 10 for v in values[3:])
    expected = {str(name): shown(value) for name, value in cells(figures).items()}
    assert "1-9" in expected.values() and figures["requests"]["expired"] == 0
    times = figures["review_time_ms"]
    expected |= {
        "review_time_ms.median": duration(times["median"]),
        "review_time_ms.p90": duration(times["p90"]),
    }
    on_page = _shown_cells(page)
    assert on_page and all(expected[name] == value for name, value in on_page.items())
    assert len(on_page) >= 7 * (1 + 9 + 5 + 3)

    # ...and the auditor, over HTTP, recomputes the same figures the log holds
    published = httpx.get(f"{url}/transparency/{PERIOD}.json").json()
    assert published["figures"] == figures
    checkpoint = published["checkpoint"]
    main = page.inner_text("main")
    assert checkpoint["origin"] in main and checkpoint["root"] in main
    assert page.inner_text("#checkpoint-size") == str(checkpoint["size"])
    assert page.inner_text("#report-index") == str(published["log_index"])
    key = Signer.from_key_string(TEST_KEY).verifier_key()
    audit = run_cli("audit", "report", f"{url}/log", "--period", PERIOD, "--key", key)
    assert audit.returncode == 0, audit.stderr
    assert audit.stdout.startswith(f"MATCH report {PERIOD} at log index {published['log_index']}")

    # the charts are drawn (no script on the page) and their text is legible
    assert page.evaluate("() => document.scripts.length") == 0
    assert page.locator("figure.chart svg").count() == 7
    assert page.locator("figure.chart svg rect[fill^='url(#']").count() > 0  # bands, hatched
    assert errors == []


def test_the_report_reads_on_a_phone(browser: Any, live: tuple[str, Path, LogBuilder]) -> None:
    url, _, _ = live
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = _watch(page)
    page.goto(f"{url}/transparency/{PERIOD}")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    smallest = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('figure.chart svg text')]"
        ".map(t => t.getBoundingClientRect().height))"
    )
    assert smallest >= 10, f"chart text is {smallest:.1f} px high on a phone"
    page.screenshot(path=ARTIFACTS / "transparency-report-phone.png", full_page=True)
    assert errors == []
