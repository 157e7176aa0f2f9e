"""A day's work in the console, in a real browser: an admin and two reviewers.

The admin registers a law-enforcement client, gives it a key and adds a reviewer;
the client's requests are held for two reviewers; alice and the new reviewer filter
the queue, review a text hold and a recording, approve one and deny the other; the
client gets its translation; alice looks up her verdicts in the history; at the end
of the day the admin suspends the client, whose key stops working at once, and the
log shows each administrative change by pseudonym. Screenshots of each page go to
artifacts/ for people to look at.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from glassbox.assets import sample_audio_path
from glassbox.core import Glassbox, init_data_dir
from glassbox.entries import OPERATOR
from glassbox.settings import load_settings
from tests.browser import ARTIFACTS, DESKTOP
from tests.conftest import TEST_KEY, TEST_ORIGIN
from tests.live import Server
from tests.review.conftest import PASSWORD

DORA_PASSWORD = "dora's own long password"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[str]:
    """A live server with an admin (carol) and a reviewer (alice), and no client yet."""
    data = tmp_path / "data"
    init_data_dir(
        load_settings({"data_dir": data, "origin": TEST_ORIGIN}, environ={}), signing_key=TEST_KEY
    )
    with Glassbox.open(load_settings({"data_dir": data}, environ={})) as node:
        node.accounts.add("carol", role="admin", password=PASSWORD, by=OPERATOR)
        node.accounts.add("alice", role="reviewer", password=PASSWORD, by=OPERATOR)
    server = Server(data).start()
    try:
        yield server.url
    finally:
        server.stop()


def _watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _sign_in(page: Any, url: str, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/console/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _submit(form: Any, page: Any) -> None:
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def _vote(page: Any, verdict: str, reason: str) -> None:
    page.get_by_label("Reason (required)").fill(reason)
    page.get_by_role("button", name=verdict.capitalize()).click()
    page.wait_for_url(re.compile(f"recorded={verdict}"))


def _poll(url: str, key: str, hold_id: str) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        resp = httpx.get(f"{url}/v1/holds/{hold_id}", headers={"Authorization": f"Bearer {key}"})
        if resp.status_code == 200 and "translatedText" in resp.json():
            return resp
        time.sleep(0.25)
    raise AssertionError(f"the approved translation was not served: {resp.text}")


def test_an_admin_and_two_reviewers_do_a_days_work_in_the_browser(browser: Any, live: str) -> None:
    url = live
    ARTIFACTS.mkdir(exist_ok=True)

    # morning: carol registers the client, creates its key and adds a reviewer
    carol = browser.new_context(viewport=DESKTOP).new_page()
    carol_errors = _watch(carol)
    _sign_in(carol, url, "carol")
    carol.get_by_role("link", name="Administration").click()
    assert carol.url == f"{url}/console/admin/clients"
    add = carol.locator('form[action="/console/admin/clients"]')
    add.locator('[name="name"]').fill("Coastal Police")
    add.locator('[name="category"]').select_option("law_enforcement")
    add.locator('[name="purposes"]').fill("accessibility, interpreting")
    _submit(add, carol)
    assert "The client is registered." in carol.inner_text(".messages")
    _submit(carol.locator('form[action$="/keys"]'), carol)
    key = carol.locator("#new-key").inner_text().strip()
    assert key.startswith("gbk_")
    carol.goto(f"{url}/console/admin/clients")
    assert "Coastal Police" in carol.inner_text("main")
    carol.screenshot(path=ARTIFACTS / "admin-clients.png", full_page=True)

    carol.get_by_role("link", name="Console users").click()
    new = carol.locator('form[action="/console/admin/users"]')
    new.locator('[name="name"]').fill("dora")
    new.locator('[name="password"]').fill(DORA_PASSWORD)
    _submit(new, carol)
    assert "The account is created." in carol.inner_text(".messages")
    carol.screenshot(path=ARTIFACTS / "admin-users.png", full_page=True)

    # the client's requests are held for two reviewers
    auth = {"Authorization": f"Bearer {key}", "Prefer": "respond-async"}
    text = httpx.post(
        f"{url}/translate",
        json={"q": "The ferry leaves at noon.", "source": "en", "target": "es"},
        headers={**auth, "Glassbox-Purpose": "interpreting"},
    )
    speech = httpx.post(
        f"{url}/v1/audio/transcriptions",
        headers={**auth, "Glassbox-Purpose": "accessibility"},
        files={"file": ("sample.flac", sample_audio_path().read_bytes(), "audio/flac")},
        data={"model": "tiny.en"},
        timeout=60,
    )
    assert text.status_code == 202 and speech.status_code == 202, (text.text, speech.text)

    # alice filters the queue, reviews the text hold and approves it
    alice = browser.new_context(viewport=DESKTOP).new_page()
    alice_errors = _watch(alice)
    _sign_in(alice, url, "alice")
    assert "2 waiting for review" in alice.inner_text("main")
    alice.locator('form.filters [name="action"]').select_option("translate")
    _submit(alice.locator("form.filters"), alice)
    assert "1 matching the filter" in alice.inner_text("main")
    alice.screenshot(path=ARTIFACTS / "console-queue.png", full_page=True)
    alice.get_by_role("link", name=re.compile(r"^Review")).first.click()
    main = alice.inner_text("main")
    assert "The ferry leaves at noon." in main and "en into es" in main
    assert "Coastal Police" in main and alice.locator("audio").count() == 0
    alice.screenshot(path=ARTIFACTS / "console-text-hold.png", full_page=True)
    _vote(alice, "approve", "Interpreting for a passenger, as registered.")
    assert alice.get_by_role("button", name="Approve").count() == 0  # her verdict instead

    # dora signs in for the first time, approves the text and denies the recording
    dora = browser.new_context(viewport=DESKTOP).new_page()
    dora_errors = _watch(dora)
    _sign_in(dora, url, "dora", DORA_PASSWORD)
    dora.goto(f"{url}/console/holds/{text.json()['id']}")
    _vote(dora, "approve", "Agreed: one sentence, for a passenger.")
    dora.goto(f"{url}/console/holds/{speech.json()['id']}")
    _vote(dora, "deny", "No hearing or interview is named for this recording.")

    # the client gets its translation once both approved; the denial is final
    served = _poll(url, key, text.json()["id"]).json()
    assert "mediodía" in served["translatedText"]  # Apertium, en into es
    denied = httpx.get(f"{url}/v1/holds/{speech.json()['id']}", headers=auth).json()
    assert denied["status"] == "denied"

    # alice looks up her own verdicts in the history
    alice.get_by_role("link", name="History").click()
    assert "2 decided requests" in alice.inner_text("main")
    alice.locator('form.filters [name="mine"]').check()
    _submit(alice.locator("form.filters"), alice)
    history = alice.inner_text("main")
    assert "1 decided request matching the filter" in history and "approve by you" in history
    alice.screenshot(path=ARTIFACTS / "console-history.png", full_page=True)

    # evening: carol suspends the client after confirming, and its key stops working
    carol.get_by_role("link", name="Clients and keys").click()
    carol.get_by_role("link", name=re.compile("Manage")).first.click()
    carol.get_by_role("button", name="Suspend Coastal Police…").click()
    assert "Suspend Coastal Police?" in carol.inner_text("main")
    carol.screenshot(path=ARTIFACTS / "admin-confirm.png", full_page=True)
    with carol.expect_navigation():
        carol.get_by_role("button", name="Yes, do it").click()
    assert "The client is suspended" in carol.inner_text(".messages")
    refused = httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401 and "suspended" in refused.text
    carol.screenshot(path=ARTIFACTS / "admin-client.png", full_page=True)

    # the log shows each administrative change, by pseudonym only
    deadline = time.monotonic() + 15
    while True:
        carol.goto(f"{url}/console/log?kind=admin")
        changes = carol.locator("tbody tr[id^='entry-'] .result").all_inner_texts()
        if "client_suspended" in changes or time.monotonic() > deadline:
            break
        time.sleep(0.3)  # entries show once the integrator signed a checkpoint over them
    assert changes[:4] == ["client_suspended", "user_added", "key_created", "client_added"]
    assert "Coastal Police" not in carol.inner_text("tbody")
    carol.screenshot(path=ARTIFACTS / "admin-log.png", full_page=True)
    assert carol_errors == [] and alice_errors == [] and dora_errors == []
