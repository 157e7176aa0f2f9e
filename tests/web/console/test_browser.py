"""The console in a real browser (Debian's Chromium driven by Playwright) against a live server.

Two reviewers sign in, approve a held transcription, the client then receives its
transcript with a receipt, and the log page shows the held, approve, approve and
served entries in order. Screenshots of the hold page (desktop and phone) and of the
log page are saved under artifacts/ for people to look at.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from glassbox.assets import SAMPLE_TEXT, sample_audio_path
from glassbox.clients import ClientRegistry
from glassbox.core import Glassbox, init_data_dir, load_pseudonym_key
from glassbox.entries import OPERATOR
from glassbox.review import Accounts
from glassbox.settings import load_settings
from tests.browser import ARTIFACTS, DESKTOP, PHONE
from tests.conftest import TEST_KEY, TEST_ORIGIN
from tests.live import Server
from tests.review.conftest import PASSWORD
from tests.services._wer import FLOW_WER, wer


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A live server with the client "Ministry" (held for two reviewers), alice and bob."""
    data = tmp_path / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}), signing_key=TEST_KEY
    )
    settings = load_settings({"data_dir": data}, environ={})
    node = Glassbox.open(settings)
    key = load_pseudonym_key(settings)
    clients = ClientRegistry(node.log, key)
    clients.add(
        "Ministry",
        category="military",
        purposes=["accessibility"],
        daily_audio_hours=8,
        by=OPERATOR,
    )
    api_key = clients.create_key("Ministry", by=OPERATOR)[1]
    accounts = Accounts(node.log, key)
    for name in ("alice", "bob"):
        accounts.add(name, role="reviewer", password=PASSWORD, by=OPERATOR)
    node.close()
    server = Server(data).start()
    try:
        yield server.url, api_key
    finally:
        server.stop()


def _watch(page: Any) -> list[str]:
    """Collect the page's console errors (a CSP violation shows up as one)."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _sign_in(page: Any, name: str) -> None:
    """Fill the login form and send it with the Enter key."""
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _approve(page: Any, reason: str) -> None:
    page.get_by_label("Reason (required)").fill(reason)
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r"recorded=approve"))
    assert "Your approval is recorded" in page.locator(".messages").inner_text()


def _audio_ready(page: Any, timeout: float = 10) -> float:
    """Wait until the player has loaded the recording's metadata; return its duration."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = page.evaluate(
            "() => [document.querySelector('audio').readyState, "
            "document.querySelector('audio').duration]"
        )
        if state[0] >= 1:
            return float(state[1])
        time.sleep(0.1)
    raise AssertionError("the browser did not load the held recording")


def _wait_for_transcript(url: str, api_key: str, hold_id: str) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        resp = httpx.get(
            f"{url}/v1/holds/{hold_id}", headers={"Authorization": f"Bearer {api_key}"}
        )
        if resp.status_code == 200 and "text" in resp.json():
            return resp
        time.sleep(0.25)
    raise AssertionError(f"the approved hold was not served: {resp.status_code} {resp.text}")


def _log_results(page: Any, url: str, hold_id: str, want: int) -> list[str]:
    """The outcomes and verdicts of the hold's entries on the log page, in log order."""
    deadline = time.monotonic() + 15
    while True:
        page.goto(f"{url}/console/log")
        rows = page.locator("tbody tr[id^='entry-']", has_text=hold_id)
        found = sorted(
            (int(rows.nth(i).locator("td").first.inner_text()), rows.nth(i))
            for i in range(rows.count())
        )
        if len(found) >= want or time.monotonic() > deadline:
            return [row.locator(".result").inner_text() for _, row in found]
        time.sleep(0.3)  # entries show once the integrator signed a checkpoint over them


def test_two_reviewers_approve_in_the_browser_and_the_client_gets_its_transcript(
    browser: Any, live: tuple[str, str]
) -> None:
    url, api_key = live
    ARTIFACTS.mkdir(exist_ok=True)
    held = httpx.post(
        f"{url}/v1/audio/transcriptions",
        headers={"Authorization": f"Bearer {api_key}", "Prefer": "respond-async"},
        files={"file": ("sample.flac", sample_audio_path().read_bytes(), "audio/flac")},
        data={"model": "tiny.en", "language": "en"},
        timeout=60,
    )
    assert held.status_code == 202, held.text
    hold_id = held.json()["id"]

    # alice follows a link to the hold, is asked to sign in, and lands on the hold
    alice = browser.new_context(viewport=DESKTOP).new_page()
    alice_errors = _watch(alice)
    alice.goto(f"{url}/console/holds/{hold_id}")
    assert "/console/login?next=" in alice.url
    _sign_in(alice, "alice")
    assert alice.url == f"{url}/console/holds/{hold_id}"
    assert alice.get_by_role("heading", level=1).inner_text() == "Held transcribe request"
    assert "0 of 2 needed" in alice.inner_text("main")
    assert abs(_audio_ready(alice) - 3.8) < 0.5  # the reviewer can play the recording
    _approve(alice, "Captions for a public hearing; the purpose matches the registration.")
    assert "1 of 2 needed" in alice.inner_text("main")
    alice.screenshot(path=ARTIFACTS / "console-hold.png", full_page=True)

    # bob, on a phone, signs in, uses the keyboard's skip link, and opens the hold
    bob = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    bob_errors = _watch(bob)
    bob.goto(f"{url}/console/login")
    _sign_in(bob, "bob")
    assert bob.url == f"{url}/console"
    bob.screenshot(path=ARTIFACTS / "console-queue-phone.png", full_page=True)
    bob.keyboard.press("Tab")
    assert bob.evaluate("() => document.activeElement.textContent") == "Skip to main content"
    bob.keyboard.press("Enter")
    assert bob.evaluate("() => document.activeElement.id") == "main"
    bob.get_by_role("link", name=re.compile(r"^Review")).first.click()
    assert bob.url == f"{url}/console/holds/{hold_id}"
    assert "alice approved" in bob.inner_text("main")
    width = bob.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the hold page scrolls sideways on a phone"
    bob.screenshot(path=ARTIFACTS / "console-hold-phone.png", full_page=True)
    _approve(bob, "Agreed: a court's public hearing, and only captions are asked for.")

    # the maintenance loop serves the approved hold; the client gets transcript and receipt
    served = _wait_for_transcript(url, api_key, hold_id)
    body = served.json()
    assert wer(SAMPLE_TEXT, body["text"]) <= FLOW_WER
    receipt = body["glassbox_receipt"]
    assert json.loads(receipt["entry"])["outcome"] == "served"
    assert served.headers["glassbox-log-index"] == str(receipt["index"])

    assert _log_results(alice, url, hold_id, 4) == ["held", "approve", "approve", "served"]
    alice.screenshot(path=ARTIFACTS / "console-log.png", full_page=True)
    bob.goto(f"{url}/console/log")
    assert bob.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    bob.screenshot(path=ARTIFACTS / "console-log-phone.png", full_page=True)
    assert alice_errors == [] and bob_errors == []


def test_the_landing_page_and_the_api_docs_work_offline(
    browser: Any, live: tuple[str, str]
) -> None:
    """`/` says what the server is and links to its records; `/docs` renders the API from
    the bundled Swagger UI (this machine reaches no CDN, so a CDN page would be blank)."""
    url, _ = live
    page = browser.new_context(viewport=DESKTOP).new_page()
    errors = _watch(page)
    page.goto(f"{url}/")
    assert "Glassbox at" in page.locator("h1").inner_text()
    for link in ("/transparency", "/log/checkpoint", "/docs", "/console"):
        assert page.locator(f'a[href="{link}"]').count() >= 1, link
    page.goto(f"{url}/docs")
    page.locator(".opblock-summary-path").first.wait_for(timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/v1/audio/transcriptions" in paths and "/translate" in paths
    assert errors == []
